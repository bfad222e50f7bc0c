import {
  AttachmentBuilder,
  MessageFlags,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
} from 'discord.js';
import { isOuroError } from '../../core/errors.ts';
import { parseCsvRecords } from '../../deploy/parse-csv.ts';
import { parsePredictCommand, PREDICT_USAGE } from '../predict/parse-predict.ts';
import { PredictionError } from '../predict/prediction-client.ts';
import { renderModelInfo, renderModelList, renderPrediction } from '../predict/render-prediction.ts';
import { textMessage, type ChatMessage } from '../render/chat-message.ts';
import type { PredictCommand } from '../render/render-card.ts';
import { keyMessage } from '../key-handover.ts';
import { readDiscordAttachment } from './discord-files.ts';
import { toDiscordMessage } from './discord-message.ts';
import type { BotDeps } from '../thread-plumbing.ts';
import { safeFilename } from '../inbound.ts';
import { keyClaimRefusal, type HeldKeys } from '../held-keys.ts';
import { registerSecrets } from '../../core/redact.ts';
import { ModelChoices } from '../predict/model-choices.ts';
import { askerOf, REFUSAL_TEXT, discordRefusal, predictionsCsv } from './discord-rules.ts';

/** Discord's /predict takes named options: `model:`, `input:`, `file:`, `share:`. */
export const PREDICT_COMMAND: PredictCommand = { command: '/predict', style: 'options' };
/** A batch for `/predict file:` is read into memory: at most this much. */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;
/** Interactions must be answered within 3 s: work that takes longer than this is deferred. */
const DEFER_AFTER_MS = 1500;
/** An autocomplete cannot be deferred: it answers with what it has by then. */
const AUTOCOMPLETE_BUDGET_MS = 1500;

/** What a slash command answers: a message, maybe a file, maybe shown to the channel. */
interface Answer {
  message: ChatMessage;
  file?: { name: string; data: Buffer };
  share?: boolean;
}

/** Discord's slash commands (`/predict`, `/models`) and the model names they autocomplete. */
export class DiscordSlash {
  private readonly choices: ModelChoices;

  constructor(
    private readonly opts: BotDeps,
    private readonly heldKeys: HeldKeys,
  ) {
    this.choices = new ModelChoices(opts.predictions);
  }

  async onInteraction(interaction: Interaction): Promise<void> {
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
