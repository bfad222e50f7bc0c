import { App, LogLevel, type webApi } from '@slack/bolt';
import { Outbox } from '../render/outbox.ts';
import type { RunThreadStore } from '../run-thread-store.ts';
import { RunThreads } from '../run-threads.ts';
import { SlackChat } from './slack-chat.ts';
import { InflightWork } from '../inflight-work.ts';
import { TARGET_CHOICE_ID } from '../render/render-run.ts';
import { createThreadPlumbing, inboundDepsOf, type BotDeps } from '../thread-plumbing.ts';
import type { InboundDeps } from '../inbound.ts';
import { HeldKeys } from '../held-keys.ts';
import { boltLogger } from './bolt-logger.ts';
import { SlackMessages, type MentionEvent } from './slack-messages.ts';
import { PREDICT_COMMAND, SlackPredict } from './slack-predict.ts';

export { PREDICT_COMMAND };

/** chat.update is Tier 3 (50+ per minute per workspace): one bot token is one workspace, so one gate. */
const SLACK_UPDATES_PER_MINUTE = 45;

export interface SlackBotOptions extends BotDeps {
  /** The Web API client's retries of failed connections (p-retry options). */
  retryConfig?: webApi.RetryOptions;
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
  private readonly messages: SlackMessages;
  private readonly predict: SlackPredict;

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
    this.inbound = inboundDepsOf(
      opts,
      { store: this.store, outbox: this.outbox, threads: this.threads },
      PREDICT_COMMAND,
    );
    this.messages = new SlackMessages(opts, this.app, this.store, this.outbox, this.threads, this.inbound);
    this.predict = new SlackPredict(opts, this.heldKeys);
    this.register();
  }

  /** Connects (Socket Mode) or listens (HTTP), then picks up the threads of unfinished runs. */
  async start(): Promise<void> {
    await this.app.start();
    const auth = await this.app.client.auth.test();
    this.messages.botUserId = auth.user_id;
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
      this.inflight.track(() => this.messages.onMention(event as unknown as MentionEvent, eventId, team));
    });
    this.app.event('message', async ({ event, body }) => {
      const eventId = (body as { event_id?: string }).event_id ?? '';
      const team = (body as { team_id?: string }).team_id;
      this.inflight.track(() =>
        this.messages.onThreadMessage(event as unknown as MentionEvent, eventId, team),
      );
    });
    // A click on one of the question's candidates (Block Kit buttons): acknowledged at once.
    this.app.action(new RegExp(`^${TARGET_CHOICE_ID}:`), async ({ ack, body, action }) => {
      await ack();
      const value = (action as { value?: string }).value ?? '';
      const b = body as { user?: { id?: string }; channel?: { id?: string }; team?: { id?: string } | null };
      this.inflight.track(() =>
        this.messages.onTargetClick(value, b.user?.id, b.channel?.id, b.team?.id ?? undefined),
      );
    });
    this.app.command(PREDICT_COMMAND.command, async ({ command, ack, respond }) => {
      await ack();
      this.inflight.track(() => this.predict.onPredict(command, respond));
    });
    this.app.error(async (err) => {
      this.opts.logger.error({ err: err.message }, 'slack: bolt error');
    });
  }
}
