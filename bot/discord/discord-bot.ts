import {
  AttachmentBuilder,
  Client,
  Events,
  GatewayIntentBits,
  MessageFlags,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  type Message,
} from 'discord.js';
import { isOuroError } from '../../core/errors.ts';
import { parseCsvRecords } from '../../deploy/parse-csv.ts';
import { parsePredictCommand, PREDICT_USAGE } from '../predict/parse-predict.ts';
import { PredictionError } from '../predict/prediction-client.ts';
import { renderModelInfo, renderModelList, renderPrediction } from '../predict/render-prediction.ts';
import { textMessage, type ChatMessage } from '../render/chat-message.ts';
import { Outbox } from '../render/outbox.ts';
import type { PredictCommand } from '../render/render-card.ts';
import type { RunThreadStore } from '../run-thread-store.ts';
import { keyMessage } from '../key-handover.ts';
import { RunThreads } from '../run-threads.ts';
import { DiscordChat } from './discord-chat.ts';
import {
  attachmentOf,
  downloadDiscordAttachment,
  readDiscordAttachment,
  type DiscordAttachment,
} from './discord-files.ts';
import { toDiscordMessage } from './discord-message.ts';
import { InflightWork } from '../inflight-work.ts';
import { createThreadPlumbing, type BotDeps } from '../thread-plumbing.ts';
import { safeFilename, startRunFromMention, type InboundDeps } from '../inbound.ts';
import { handleThreadCommand } from '../thread-message.ts';
import { parseThreadCommand } from '../thread-command.ts';
import { HeldKeys, keyClaimRefusal } from '../held-keys.ts';
import { registerSecrets } from '../../core/redact.ts';
import { ModelChoices } from '../predict/model-choices.ts';
import {
  askerOf,
  REFUSAL_TEXT,
  discordRefusal,
  MENTION,
  gatewayCloseAdvice,
  predictionsCsv,
} from './discord-rules.ts';

/** Discord's /predict takes named options: `model:`, `input:`, `file:`, `share:`. */
export const PREDICT_COMMAND: PredictCommand = { command: '/predict', style: 'options' };
/** A batch for `/predict file:` is read into memory: at most this much. */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;
/** Interactions must be answered within 3 s: work that takes longer than this is deferred. */
const DEFER_AFTER_MS = 1500;
/** An autocomplete cannot be deferred: it answers with what it has by then. */
const AUTOCOMPLETE_BUDGET_MS = 1500;

export type DiscordBotOptions = BotDeps;

/** What a slash command answers: a message, maybe a file, maybe shown to the channel. */
interface Answer {
  message: ChatMessage;
  file?: { name: string; data: Buffer };
  share?: boolean;
}

/**
 * ouro in Discord (discord.js 14, gateway intents Guilds, GuildMessages and MessageContent).
 * A mention with a CSV starts a run in a thread made off the message; replies in the thread
 * steer or stop it; `/predict` and `/models` query deployed models.
 */
export class DiscordBot {
  readonly client: Client;
  private readonly threads: RunThreads;
  private readonly store: RunThreadStore;
  private readonly outbox: Outbox;
  private readonly inflight: InflightWork;
  private readonly heldKeys: HeldKeys;
  private readonly choices: ModelChoices;
  private readonly inbound: InboundDeps;

  constructor(private readonly opts: DiscordBotOptions) {
    this.choices = new ModelChoices(opts.predictions);
    this.inflight = new InflightWork(opts.logger, 'discord');
    const { config } = opts;
    if (config.DISCORD_TOKEN === undefined) throw new Error('DISCORD_TOKEN is not set');
    this.client = new Client({
      // MessageContent (privileged) is what lets plain replies in a run's thread steer it, as on
      // Slack. It is optional: without it Discord still delivers the messages that mention the bot.
      intents: [
        GatewayIntentBits.Guilds,
        GatewayIntentBits.GuildMessages,
        ...(config.OURO_DISCORD_MESSAGE_CONTENT ? [GatewayIntentBits.MessageContent] : []),
      ],
      ...(config.DISCORD_API_URL !== undefined ? { rest: { api: config.DISCORD_API_URL } } : {}),
      allowedMentions: { parse: [] },
    });
    ({
      store: this.store,
      heldKeys: this.heldKeys,
      outbox: this.outbox,
      threads: this.threads,
    } = createThreadPlumbing(opts, {
      chat: new DiscordChat(this.client.rest),
      predictCommand: PREDICT_COMMAND,
    }));
    this.inbound = {
      config,
      logger: opts.logger,
      redis: opts.redis,
      queue: opts.queue,
      store: this.store,
      outbox: this.outbox,
      threads: this.threads,
      predictCommand: PREDICT_COMMAND,
    };
    this.client.on(Events.MessageCreate, (m) => this.inflight.track(() => this.onMessage(m)));
    this.client.on(Events.InteractionCreate, (i) => this.inflight.track(() => this.onInteraction(i)));
    this.client.on(Events.Error, (err) => opts.logger.error({ err: err.message }, 'discord: client error'));
  }

  /**
   * Logs in and waits for READY. A gateway that closes for good (4014: the Message Content
   * intent is not enabled in the portal; 4004: a bad token) rejects here with what to do,
   * rather than hang: the caller keeps the other platforms running (cli/bot-command.ts).
   */
  async start(): Promise<void> {
    let cleanup = () => undefined as void;
    const ready = new Promise<void>((resolve, reject) => {
      const onReady = () => resolve();
      const onDisconnect = (event: { code: number }) => reject(new Error(gatewayCloseAdvice(event.code)));
      const timer = setTimeout(() => reject(new Error('Discord did not become ready within 60 s')), 60_000);
      this.client.once(Events.ClientReady, onReady);
      this.client.once(Events.ShardDisconnect, onDisconnect);
      cleanup = () => {
        clearTimeout(timer);
        this.client.off(Events.ClientReady, onReady);
        this.client.off(Events.ShardDisconnect, onDisconnect);
      };
    });
    try {
      await Promise.race([this.client.login(this.opts.config.DISCORD_TOKEN).then(() => ready), ready]);
    } catch (err) {
      await this.client.destroy().catch(() => undefined);
      throw err;
    } finally {
      cleanup();
    }
    const resumed = await this.threads.resume();
    this.opts.logger.info({ resumed, user: this.client.user?.tag }, 'discord bot connected');
  }

  async stop(): Promise<void> {
    await this.client
      .destroy()
      .catch((err: unknown) =>
        this.opts.logger.warn({ err: (err as Error).message }, 'discord: disconnecting failed'),
      );
    await this.inflight.drain();
    await this.threads.close();
    await this.outbox.close();
  }

  settled(runId: string): Promise<void> {
    return this.threads.settled(runId);
  }

  private async onMessage(message: Message): Promise<void> {
    if (message.author.bot || message.system) return;
    const me = this.client.user;
    if (me === null) return;
    // The mention picker often offers the bot's managed role (<@&id>) instead of the user.
    const botRole = message.guild?.members.me?.roles.botRole ?? null;
    const mentioned =
      message.mentions.users.has(me.id) || (botRole !== null && message.mentions.roles.has(botRole.id));
    const channel = message.channel;
    const inThread = channel.isThread();
    const runId = inThread ? await this.store.runOfThread('discord', channel.id, channel.id) : null;
    if (!mentioned && runId === null) return;
    if (!(await this.store.claimEvent('discord', message.id))) return;
    const roles = message.member ? [...message.member.roles.cache.keys()] : [];
    const refusal = discordRefusal(
      { guild: message.guildId, channel: channel.id, parent: inThread ? channel.parentId : null, roles },
      this.opts.config,
    );
    const text = message.content.replace(MENTION, ' ').trim();
    if (refusal !== null) {
      this.opts.logger.warn(
        { guild: message.guildId, channel: channel.id, user: message.author.id, refusal },
        'discord: request refused by the allow-lists',
      );
      if (refusal !== 'guild' && mentioned)
        await this.outbox
          .postPrivate(channel.id, message.author.id, undefined, textMessage(REFUSAL_TEXT[refusal]))
          .catch(() => undefined);
      return;
    }
    if (runId !== null && message.attachments.size === 0)
      return this.onThreadCommand(runId, message.author.id, text, mentioned, `discord:${message.id}`);
    // With a file inside a run's thread: a follow-up run there (bot/follow-up.ts); unaddressed
    // only when it says to retrain ("retrain on this"), since people also share files among themselves.
    if (
      mentioned ||
      (runId !== null && parseThreadCommand(text, { addressed: false, budgetSeconds: 0 }).kind === 'retrain')
    )
      return this.onMention(message, text, runId);
  }

  private async onMention(message: Message, text: string, priorRun: string | null): Promise<void> {
    const channel = message.channel.id;
    const attachments: DiscordAttachment[] = [...message.attachments.values()].map((a) => ({
      id: a.id,
      name: a.name,
      size: a.size,
      url: a.url,
      contentType: a.contentType,
    }));
    const limit = this.opts.config.OURO_MAX_UPLOAD_MB * 1024 * 1024;
    await startRunFromMention(this.inbound, {
      platform: 'discord',
      team: message.guildId ?? undefined,
      channel,
      user: message.author.id,
      text,
      files: attachments.map(attachmentOf),
      idempotencyKey: `discord:${message.id}`,
      priorRun,
      reply: (m) => this.outbox.post(channel, undefined, m).then(() => undefined),
      // The signed CDN URL expires: the download starts before the thread is opened.
      download: (file, key, filename) =>
        downloadDiscordAttachment({
          attachment: attachments.find((a) => a.id === file.id)!,
          apiUrl: this.opts.config.DISCORD_API_URL,
          maxBytes: limit,
          store: this.opts.store,
          key,
          filename,
        }),
      openThread: async (goal) => {
        const thread = await this.threadFor(message, goal);
        // A thread is a channel of its own on Discord; the run remembers the channel it came from as its space.
        return thread === null ? null : { channel: thread.id, thread: thread.id, space: message.channelId };
      },
    });
  }

  /**
   * Where the run is told: a mention inside a thread (or a forum post) runs in that thread, since
   * a thread cannot have threads (discord.js rejects with MessageThreadParent); otherwise a new
   * thread off the message. When Discord refuses the thread (50013: no Create Public Threads
   * permission) the channel hears why and nothing starts.
   */
  private async threadFor(message: Message, goal: string): Promise<{ id: string } | null> {
    if (message.channel.isThread()) return { id: message.channel.id };
    try {
      return await message.startThread({ name: `ouro · ${goal}`.slice(0, 100), autoArchiveDuration: 1440 });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      this.opts.logger.warn(
        { err: (err as Error).message, code, channel: message.channelId },
        'discord: could not open a thread',
      );
      const why =
        code === 50013
          ? 'I am missing the **Create Public Threads** permission in this channel'
          : `Discord said: ${(err as Error).message}`;
      await this.outbox
        .post(
          message.channelId,
          undefined,
          textMessage(
            `<@${message.author.id}> I could not open a thread for this run (${why}). Nothing started; ask an admin to grant it, or mention me inside a thread.`,
          ),
        )
        .catch(() => undefined);
      return null;
    }
  }

  private onThreadCommand(
    runId: string,
    user: string,
    text: string,
    addressed: boolean,
    eventKey: string,
  ): Promise<void> {
    return handleThreadCommand(this.inbound, {
      runId,
      user,
      text,
      addressed,
      mention: (u) => `<@${u}>`,
      eventKey,
    });
  }

  private async onInteraction(interaction: Interaction): Promise<void> {
    if (interaction.isAutocomplete()) return this.onAutocomplete(interaction);
    if (!interaction.isChatInputCommand()) return;
    const member = interaction.member;
    const roles =
      member === null ? [] : Array.isArray(member.roles) ? member.roles : [...member.roles.cache.keys()];
    const channel = interaction.channel;
    const parent = channel !== null && channel.isThread() ? channel.parentId : null;
    const refusal = discordRefusal(
      { guild: interaction.guildId, channel: interaction.channelId, parent, roles },
      this.opts.config,
    );
    if (refusal !== null) {
      const text =
        refusal === 'guild' ? 'I only answer in the servers I am enabled in.' : REFUSAL_TEXT[refusal];
      await interaction.reply({ content: text, flags: MessageFlags.Ephemeral });
      return;
    }
    if (interaction.commandName === 'models')
      return this.answer(interaction, async () => ({
        message: renderModelList(await this.opts.predictions.list(askerOf(interaction)), PREDICT_COMMAND),
      }));
    if (interaction.commandName === 'predict') {
      const deferNow = interaction.options.getAttachment('file') !== null;
      return this.answer(interaction, () => this.predict(interaction), { deferNow });
    }
  }

  private async onAutocomplete(interaction: AutocompleteInteraction): Promise<void> {
    const typed = String(interaction.options.getFocused()).toLowerCase();
    const models = await this.choices.list(askerOf(interaction), AUTOCOMPLETE_BUDGET_MS);
    const choices = models
      .filter((m) => m.name.includes(typed))
      .slice(0, 25)
      .map((m) => ({
        name: (m.card
          ? `${m.name} v${m.version} — ${m.card.target} (${m.card.task})`
          : `${m.name} v${m.version}`
        ).slice(0, 100),
        value: m.name,
      }));
    await interaction.respond(choices);
  }

  /**
   * Answers a slash command: at once when the work is done within DEFER_AFTER_MS, else the
   * reply is deferred ("ouro is thinking…") and the original response edited when it is.
   * `deferNow`: work that downloads or uploads a file is deferred before it starts, since an
   * upload in the first answer could land after the 3 s deadline (10062).
   */
  private async answer(
    interaction: ChatInputCommandInteraction,
    work: () => Promise<Answer>,
    opts: { deferNow?: boolean } = {},
  ): Promise<void> {
    // A held key is never shown to the channel, whatever `share` says.
    const askingKey =
      interaction.commandName === 'predict' &&
      /^\s*key\s*$/i.test(interaction.options.getString('input') ?? '');
    const shared =
      interaction.commandName === 'predict' && interaction.options.getBoolean('share') === true && !askingKey;
    const defer = () => interaction.deferReply(shared ? {} : { flags: MessageFlags.Ephemeral });
    if (opts.deferNow) await defer();
    const pending = work().catch((err: unknown): Answer => this.failure(interaction, err));
    const payload = (a: Answer) => {
      const m = toDiscordMessage(a.message);
      return {
        content: m.content,
        embeds: m.embeds,
        allowedMentions: { parse: [] },
        files: a.file ? [new AttachmentBuilder(a.file.data, { name: a.file.name })] : [],
      };
    };
    if (!opts.deferNow) {
      let timer: NodeJS.Timeout | undefined;
      const early = await Promise.race([
        pending,
        new Promise<null>((r) => (timer = setTimeout(() => r(null), DEFER_AFTER_MS))),
      ]);
      clearTimeout(timer);
      if (early !== null) {
        await interaction.reply({
          ...payload(early),
          ...(early.share ? {} : { flags: MessageFlags.Ephemeral }),
        });
        return;
      }
      await defer();
    }
    await interaction.editReply(payload(await pending));
  }

  private failure(interaction: ChatInputCommandInteraction, err: unknown): Answer {
    const model = interaction.commandName === 'predict' ? interaction.options.getString('model') : null;
    const about = model === null ? '' : `\`${model}\`: `;
    if (err instanceof PredictionError) {
      const hint =
        err.code === 'model_not_found'
          ? ' `/models` lists the models.'
          : (err.code === 'missing_column' || err.code === 'invalid_value') && model !== null
            ? ` \`/predict model:${model}\` shows its inputs.`
            : '';
      return { message: textMessage(`⚠️ ${about}${err.message}${hint}`) };
    }
    if (isOuroError(err)) return { message: textMessage(`⚠️ ${err.message}`) };
    this.opts.logger.error({ err: (err as Error).stack }, 'discord: /predict failed');
    return { message: textMessage(`⚠️ ${about}something went wrong (${(err as Error).message}).`) };
  }

  private async predict(interaction: ChatInputCommandInteraction): Promise<Answer> {
    const model = interaction.options.getString('model', true).trim();
    const input = interaction.options.getString('input') ?? '';
    const file = interaction.options.getAttachment('file');
    const share = interaction.options.getBoolean('share') === true;
    const { predictions } = this.opts;
    const asker = askerOf(interaction);
    if (file !== null) {
      if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(model))
        return { message: textMessage(`"${model}" is not a model name.`) };
      const text = await readDiscordAttachment(file.url, {
        apiUrl: this.opts.config.DISCORD_API_URL,
        maxBytes: MAX_BATCH_BYTES,
        filename: file.name,
      });
      const rows = parseCsvRecords(text);
      if (rows.length === 0)
        return { message: textMessage(`\`${file.name}\` has no rows under its header.`) };
      const p = await predictions.predict(model, rows, asker);
      const name = `${safeFilename(file.name).replace(/\.(csv|tsv|txt)$/i, '')}-predictions.csv`;
      const note =
        p.filled.length > 0
          ? ` ${p.filled.length} input${p.filled.length === 1 ? '' : 's'} missing from the file were sent as missing (${p.filled.slice(0, 6).join(', ')}).`
          : '';
      return {
        message: textMessage(
          `🔮 **${p.model}** v${p.version}: ${rows.length} prediction${rows.length === 1 ? '' : 's'} in \`${name}\`.${note}`,
        ),
        file: { name, data: Buffer.from(predictionsCsv(rows, p)) },
        share,
      };
    }
    const parsed = parsePredictCommand(`${model} ${input}`);
    if (parsed.kind === 'error')
      return { message: textMessage(parsed.message.replace(PREDICT_USAGE, '').trim()) };
    if (parsed.kind === 'key') {
      // Always ephemeral (share is ignored): the key is for the one who asked for the model.
      const claim = await this.heldKeys.claim('discord', parsed.model, interaction.user.id);
      if (claim.kind !== 'key') return { message: textMessage(keyClaimRefusal(claim, parsed.model)) };
      registerSecrets([claim.key]);
      return { message: keyMessage(parsed.model, claim.key) };
    }
    if (parsed.kind === 'list')
      return { message: renderModelList(await predictions.list(asker), PREDICT_COMMAND), share };
    if (parsed.kind === 'describe')
      return {
        message: renderModelInfo(await predictions.describe(parsed.model, { asker }), PREDICT_COMMAND),
        share,
      };
    return {
      message: renderPrediction(await predictions.predict(parsed.model, parsed.rows, asker)),
      share: share || parsed.share,
    };
  }
}
