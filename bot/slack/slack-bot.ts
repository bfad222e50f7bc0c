import { App, LogLevel, type Logger as BoltLogger, type webApi } from '@slack/bolt';
import type { Logger } from '../../core/logger.ts';
import { REFUSAL_TEXT, refusalOf, type Requester } from '../access-policy.ts';
import { parsePredictCommand, PREDICT_USAGE } from '../predict/parse-predict.ts';
import { PredictionError } from '../predict/prediction-client.ts';
import type { ModelOwner } from '../../core/model-owner.ts';
import { renderModelInfo, renderModelList, renderPrediction } from '../predict/render-prediction.ts';
import { textMessage, type ChatMessage } from '../render/chat-message.ts';
import { Outbox } from '../render/outbox.ts';
import { INLINE_PREDICT, type PredictCommand } from '../render/render-card.ts';
import type { RunThreadStore } from '../run-thread-store.ts';
import { RunThreads } from '../run-threads.ts';
import { toSlackMessage } from './slack-blocks.ts';
import { SlackChat } from './slack-chat.ts';
import { attachmentOf, downloadSlackFile, resolveSlackFiles, type SlackFile } from './slack-files.ts';
import { InflightWork } from '../inflight-work.ts';
import { TARGET_CHOICE_ID } from '../render/render-run.ts';
import { createThreadPlumbing, type BotDeps } from '../thread-plumbing.ts';
import { startRunFromMention, type InboundDeps } from '../inbound.ts';
import { answerQuestion, handleThreadCommand } from '../thread-message.ts';
import { parseThreadCommand } from '../thread-command.ts';
import { HeldKeys, keyClaimRefusal } from '../held-keys.ts';
import { keyMessage } from '../key-handover.ts';
import { registerSecrets } from '../../core/redact.ts';

export const PREDICT_COMMAND: PredictCommand = INLINE_PREDICT;
/** chat.update is Tier 3 (50+ per minute per workspace): one bot token is one workspace, so one gate. */
const SLACK_UPDATES_PER_MINUTE = 45;

export interface SlackBotOptions extends BotDeps {
  /** The Web API client's retries of failed connections (p-retry options). */
  retryConfig?: webApi.RetryOptions;
}

const MENTION = /<@[A-Z0-9]+(?:\|[^>]*)?>/g;

/**
 * Bolt's logger interface over ours. The SDK's debug lines are dropped: they carry request
 * bodies, and a body may hold a model key on its way to the one person who may see it.
 */
function boltLogger(logger: Logger): BoltLogger {
  const join = (msg: unknown[]) =>
    msg
      .map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m)))
      .join(' ');
  return {
    debug: () => undefined,
    info: (...m: unknown[]) => logger.info(join(m)),
    warn: (...m: unknown[]) => logger.warn(join(m)),
    error: (...m: unknown[]) => logger.error(join(m)),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: () => undefined,
  };
}

/**
 * ouro in Slack (Bolt 5): Socket Mode by default (no public URL), the HTTP receiver with
 * OURO_SLACK_MODE=http. A mention with a CSV starts a run and its thread tells the run's story;
 * replies in the thread steer or stop it; `/predict` queries deployed models.
 *
 * Slack wants every event acknowledged within 3 s: Bolt acks events before the listeners run,
 * and the listeners only start the work (tracked, so `stop()` can wait for it).
 */
export class SlackBot {
  readonly app: App;
  private readonly threads: RunThreads;
  private readonly store: RunThreadStore;
  private readonly heldKeys: HeldKeys;
  private readonly inbound: InboundDeps;
  private readonly outbox: Outbox;
  private readonly inflight: InflightWork;
  private botUserId: string | undefined;

  constructor(private readonly opts: SlackBotOptions) {
    this.inflight = new InflightWork(opts.logger, 'slack');
    const { config } = opts;
    if (config.SLACK_BOT_TOKEN === undefined) throw new Error('SLACK_BOT_TOKEN is not set');
    const clientOptions: webApi.WebClientOptions = {
      ...(config.SLACK_API_URL !== undefined ? { slackApiUrl: config.SLACK_API_URL } : {}),
      // 429s come back to the outbox, which pauses the channel's queue and retries.
      rejectRateLimitedCalls: true,
      retryConfig: opts.retryConfig ?? { retries: 5, factor: 2, minTimeout: 1000, maxTimeout: 30_000 },
    };
    const common = {
      token: config.SLACK_BOT_TOKEN,
      clientOptions,
      logger: boltLogger(opts.logger),
      logLevel: LogLevel.INFO,
    };
    if (config.OURO_SLACK_MODE === 'http') {
      if (config.SLACK_SIGNING_SECRET === undefined)
        throw new Error('OURO_SLACK_MODE=http needs SLACK_SIGNING_SECRET');
      this.app = new App({
        ...common,
        signingSecret: config.SLACK_SIGNING_SECRET,
        port: config.OURO_SLACK_PORT,
      });
    } else {
      if (config.SLACK_APP_TOKEN === undefined)
        throw new Error('Socket Mode needs SLACK_APP_TOKEN (xapp-...), or set OURO_SLACK_MODE=http');
      this.app = new App({ ...common, appToken: config.SLACK_APP_TOKEN, socketMode: true });
    }
    ({
      store: this.store,
      heldKeys: this.heldKeys,
      outbox: this.outbox,
      threads: this.threads,
    } = createThreadPlumbing(opts, {
      chat: new SlackChat(this.app.client),
      predictCommand: PREDICT_COMMAND,
      updatesPerMinute: SLACK_UPDATES_PER_MINUTE,
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
    this.register();
  }

  /** Connects (Socket Mode) or listens (HTTP), then picks up the threads of unfinished runs. */
  async start(): Promise<void> {
    await this.app.start();
    const auth = await this.app.client.auth.test();
    this.botUserId = auth.user_id;
    const resumed = await this.threads.resume();
    this.opts.logger.info({ resumed, mode: this.opts.config.OURO_SLACK_MODE }, 'slack bot connected');
  }

  async stop(): Promise<void> {
    await this.app
      .stop()
      .catch((err: unknown) =>
        this.opts.logger.warn({ err: (err as Error).message }, 'slack: stopping the receiver failed'),
      );
    await this.inflight.drain();
    await this.threads.close();
    await this.outbox.close();
  }

  /** Resolves when the run's thread is told to its end (tests). */
  settled(runId: string): Promise<void> {
    return this.threads.settled(runId);
  }

  private register(): void {
    this.app.event('app_mention', async ({ event, body }) => {
      const eventId = (body as { event_id?: string }).event_id ?? `${event.channel}:${event.ts}`;
      const team = (body as { team_id?: string }).team_id;
      this.inflight.track(() => this.onMention(event as unknown as MentionEvent, eventId, team));
    });
    this.app.event('message', async ({ event, body }) => {
      const eventId = (body as { event_id?: string }).event_id ?? '';
      const team = (body as { team_id?: string }).team_id;
      this.inflight.track(() => this.onThreadMessage(event as unknown as MentionEvent, eventId, team));
    });
    // A click on one of the question's candidates (Block Kit buttons): acknowledged at once.
    this.app.action(new RegExp(`^${TARGET_CHOICE_ID}:`), async ({ ack, body, action }) => {
      await ack();
      const value = (action as { value?: string }).value ?? '';
      const b = body as { user?: { id?: string }; channel?: { id?: string }; team?: { id?: string } | null };
      this.inflight.track(() =>
        this.onTargetClick(value, b.user?.id, b.channel?.id, b.team?.id ?? undefined),
      );
    });
    this.app.command(PREDICT_COMMAND.command, async ({ command, ack, respond }) => {
      await ack();
      this.inflight.track(() => this.onPredict(command, respond));
    });
    this.app.error(async (err) => {
      this.opts.logger.error({ err: err.message }, 'slack: bolt error');
    });
  }

  private async reply(channel: string, thread: string | undefined, message: ChatMessage): Promise<void> {
    await this.outbox.post(channel, thread, message);
  }

  /** True when the allow-lists refuse the request; the person is told privately (a foreign workspace is only logged). */
  private async refuse(r: Requester, thread: string | undefined): Promise<boolean> {
    const refusal = refusalOf(r, this.opts.config);
    if (refusal === null) return false;
    this.opts.logger.warn({ ...r, refusal }, 'slack: request refused by the allow-lists');
    if (refusal !== 'workspace' && r.channel !== undefined && r.user !== undefined) {
      await this.outbox
        .postPrivate(r.channel, r.user, thread, textMessage(REFUSAL_TEXT[refusal]))
        .catch(() => undefined);
    }
    return true;
  }

  private async onMention(event: MentionEvent, eventId: string, team: string | undefined): Promise<void> {
    // Slack redelivers an event it thinks was missed: only the first delivery does anything.
    if (!(await this.store.claimEvent('slack', eventId))) return;
    // Editing the message sends app_mention again (new event_id, same ts, `edited`): one message, one answer.
    if (
      event.edited !== undefined ||
      !(await this.store.claimEvent('slack', `msg:${event.channel}:${event.ts}`))
    )
      return;
    const { channel, user } = event;
    const threadTs = event.thread_ts ?? event.ts;
    if (user === undefined) return;
    if (await this.refuse({ workspace: team, channel, user }, threadTs)) return;
    await this.fromMessage(event, user, eventId, team);
  }

  /** A message for the bot (a mention, or a thread reply sharing a table to retrain on): a thread command, a follow-up, or a new run. */
  private async fromMessage(
    event: MentionEvent,
    user: string,
    eventId: string,
    team: string | undefined,
  ): Promise<void> {
    const { channel } = event;
    const threadTs = event.thread_ts ?? event.ts;
    const text = event.text.replace(MENTION, ' ').trim();
    // Slack Connect stubs are completed with files.info; hidden, deleted and external files are named.
    const resolved = await resolveSlackFiles(
      (event.files ?? []) as SlackFile[],
      (file) => this.app.client.files.info({ file }) as Promise<{ file?: SlackFile }>,
    );
    const files = resolved.files;
    if (resolved.problems.length > 0 && files.length === 0)
      return this.reply(channel, threadTs, textMessage(resolved.problems.join(' ')));

    // A mention inside a run's thread: without a file, a thread command; with one, a follow-up run.
    const priorRun =
      event.thread_ts === undefined ? null : await this.store.runOfThread('slack', channel, event.thread_ts);
    if (priorRun !== null && files.length === 0 && (event.files ?? []).length === 0)
      return this.onThreadCommand(priorRun, user, text, true, `slack:${eventId}`);

    const limit = this.opts.config.OURO_MAX_UPLOAD_MB * 1024 * 1024;
    await startRunFromMention(this.inbound, {
      platform: 'slack',
      team,
      channel,
      user,
      text,
      files: files.map(attachmentOf),
      idempotencyKey: `slack:${eventId}`,
      priorRun,
      reply: (m) => this.reply(channel, threadTs, m),
      download: (file, key, filename) =>
        downloadSlackFile({
          file: files.find((f) => f.id === file.id)!,
          token: this.opts.config.SLACK_BOT_TOKEN!,
          apiUrl: this.opts.config.SLACK_API_URL,
          maxBytes: limit,
          store: this.opts.store,
          key,
          filename,
        }),
      // On Slack the run's thread is the mentioning message's thread: nothing to open.
      openThread: async () => ({ channel, thread: threadTs }),
    });
  }

  private async onThreadMessage(
    event: MentionEvent,
    eventId: string,
    team: string | undefined,
  ): Promise<void> {
    // Only plain replies by people, in a thread the bot started; mentions go to onMention.
    if (
      event.thread_ts === undefined ||
      event.thread_ts === event.ts ||
      event.bot_id !== undefined ||
      event.user === undefined
    )
      return;
    if (event.subtype !== undefined && event.subtype !== 'thread_broadcast' && event.subtype !== 'file_share')
      return;
    if (this.botUserId !== undefined && event.text?.includes(`<@${this.botUserId}`)) return;
    const runId = await this.store.runOfThread('slack', event.channel, event.thread_ts);
    if (runId === null) return;
    if (eventId !== '' && !(await this.store.claimEvent('slack', eventId))) return;
    if (await this.refuse({ workspace: team, channel: event.channel, user: event.user }, event.thread_ts))
      return;
    const text = (event.text ?? '').replace(MENTION, ' ').trim();
    // "retrain on this" with a table shared in the thread: a follow-up on the new file, not the old one.
    if (
      (event.files ?? []).length > 0 &&
      parseThreadCommand(text, { addressed: false, budgetSeconds: 0 }).kind === 'retrain'
    )
      return this.fromMessage({ ...event, text }, event.user, eventId, team);
    await this.onThreadCommand(
      runId,
      event.user,
      text,
      false,
      eventId !== '' ? `slack:${eventId}` : undefined,
    );
  }

  private onThreadCommand(
    runId: string,
    user: string,
    text: string,
    addressed: boolean,
    eventKey: string | undefined,
  ): Promise<void> {
    return handleThreadCommand(this.inbound, {
      runId,
      user,
      text,
      addressed,
      mention: (u) => `<@${u}>`,
      ...(eventKey !== undefined ? { eventKey } : {}),
    });
  }

  private async onTargetClick(
    value: string,
    user: string | undefined,
    channel: string | undefined,
    team: string | undefined,
  ): Promise<void> {
    let choice: { run?: unknown; column?: unknown };
    try {
      choice = JSON.parse(value) as typeof choice;
    } catch {
      return;
    }
    if (typeof choice.run !== 'string' || typeof choice.column !== 'string' || user === undefined) return;
    const thread = await this.store.get(choice.run);
    if (thread === null || (channel !== undefined && channel !== thread.channel)) return;
    if (await this.refuse({ workspace: team, channel: thread.channel, user }, thread.thread)) return;
    const view = await this.threads.view(thread);
    if (view.question === null) return;
    await answerQuestion(this.inbound, thread, view.question, choice.column, user);
  }

  /** `/predict key <model>`: the held key, in the command's private response (the asker is there now). */
  private async collectKey(model: string, user: string): Promise<ChatMessage> {
    const claim = await this.heldKeys.claim('slack', model, user);
    if (claim.kind !== 'key') return textMessage(keyClaimRefusal(claim, model));
    registerSecrets([claim.key]);
    return keyMessage(model, claim.key);
  }

  private async onPredict(
    command: { text: string; user_id: string; channel_id: string; team_id: string },
    respond: (m: Record<string, unknown>) => Promise<unknown>,
  ): Promise<void> {
    const send = (message: ChatMessage, share = false) =>
      respond({ response_type: share ? 'in_channel' : 'ephemeral', ...toSlackMessage(message) });
    const refusal = refusalOf(
      { workspace: command.team_id, channel: command.channel_id, user: command.user_id },
      this.opts.config,
    );
    if (refusal !== null) {
      if (refusal !== 'workspace') await send(textMessage(REFUSAL_TEXT[refusal]));
      return;
    }
    const parsed = parsePredictCommand(command.text);
    if (parsed.kind === 'error') return void (await send(textMessage(parsed.message)));
    if (parsed.kind === 'key') return void (await send(await this.collectKey(parsed.model, command.user_id)));
    const { predictions } = this.opts;
    try {
      let message: ChatMessage;
      // Only the models this workspace (or channel, OURO_MODEL_ACCESS) may use: core/model-owner.ts.
      const asker: ModelOwner = { platform: 'slack', team: command.team_id, channel: command.channel_id };
      if (parsed.kind === 'list') message = renderModelList(await predictions.list(asker), PREDICT_COMMAND);
      else if (parsed.kind === 'describe')
        message = renderModelInfo(await predictions.describe(parsed.model, { asker }), PREDICT_COMMAND);
      else message = renderPrediction(await predictions.predict(parsed.model, parsed.rows, asker));
      if (parsed.share)
        message = {
          ...message,
          blocks: [
            ...message.blocks,
            { type: 'context', text: `asked by <@${command.user_id}> with \`${PREDICT_COMMAND.command}\`` },
          ],
        };
      await send(message, parsed.share);
    } catch (err) {
      const model = parsed.kind === 'list' ? null : parsed.model;
      const about = model === null ? '' : `\`${model}\`: `;
      if (err instanceof PredictionError) {
        const hint =
          err.code === 'model_not_found'
            ? ` \`${PREDICT_COMMAND.command}\` lists the models.`
            : (err.code === 'missing_column' || err.code === 'invalid_value') && model !== null
              ? ` \`${PREDICT_COMMAND.command} ${model}\` shows its inputs.`
              : '';
        await send(textMessage(`⚠️ ${about}${err.message}${hint}`));
        return;
      }
      this.opts.logger.error({ err: (err as Error).stack }, 'slack: /predict failed');
      await send(
        textMessage(`⚠️ ${about}something went wrong (${(err as Error).message}). ${PREDICT_USAGE}`),
      );
    }
  }
}

/** The fields of `app_mention` and `message` events the bot reads. */
interface MentionEvent {
  type: string;
  subtype?: string;
  channel: string;
  user?: string;
  bot_id?: string;
  text: string;
  ts: string;
  thread_ts?: string;
  files?: unknown[];
  /** Set on the app_mention Slack sends again when the message is edited. */
  edited?: { user: string; ts: string };
}
