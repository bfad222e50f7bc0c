import { Client, Events, GatewayIntentBits, type Message } from 'discord.js';
import { textMessage } from '../render/chat-message.ts';
import { Outbox } from '../render/outbox.ts';
import type { RunThreadStore } from '../run-thread-store.ts';
import { RunThreads } from '../run-threads.ts';
import { DiscordChat } from './discord-chat.ts';
import { attachmentOf, downloadDiscordAttachment, type DiscordAttachment } from './discord-files.ts';
import { InflightWork } from '../inflight-work.ts';
import { createThreadPlumbing, inboundDepsOf, type BotDeps } from '../thread-plumbing.ts';
import { startRunFromMention, type InboundDeps } from '../inbound.ts';
import { threadCommandFrom } from '../thread-message.ts';
import { parseThreadCommand } from '../thread-command.ts';
import { HeldKeys } from '../held-keys.ts';
import { REFUSAL_TEXT, discordRefusal, MENTION, gatewayCloseAdvice } from './discord-rules.ts';
import { DiscordSlash, PREDICT_COMMAND } from './discord-slash.ts';

export { PREDICT_COMMAND };

export type DiscordBotOptions = BotDeps;

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
  private readonly slash: DiscordSlash;
  private readonly inbound: InboundDeps;

  constructor(private readonly opts: DiscordBotOptions) {
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
    this.inbound = inboundDepsOf(
      opts,
      { store: this.store, outbox: this.outbox, threads: this.threads },
      PREDICT_COMMAND,
    );
    this.slash = new DiscordSlash(opts, this.heldKeys);
    this.client.on(Events.MessageCreate, (m) => this.inflight.track(() => this.onMessage(m)));
    this.client.on(Events.InteractionCreate, (i) => this.inflight.track(() => this.slash.onInteraction(i)));
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
      return threadCommandFrom(
        this.inbound,
        runId,
        message.author.id,
        text,
        mentioned,
        `discord:${message.id}`,
      );
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
}
