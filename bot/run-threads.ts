import { join } from 'node:path';
import { readUntrusted, UNTRUSTED_CAPS } from '../core/untrusted-files.ts';
import { registerSecrets } from '../core/redact.ts';
import type { Redis } from 'ioredis';
import { readArchivedEvents } from '../core/events/archived-events.ts';
import type { Logger } from '../core/logger.ts';
import { redisKeys } from '../core/queue/redis-keys.ts';
import {
  followRunEvents,
  isTerminal,
  readRunEvents,
  type StreamedEvent,
} from '../core/queue/run-event-stream.ts';
import type { RunEvent } from '../core/schemas/events.ts';
import type { ModelCard } from '../core/schemas/model-card.ts';
import type { ArtifactStore } from '../core/store/artifact-store.ts';
import { textMessage, type ChatFile, type ChatMessage } from './render/chat-message.ts';
import type { Outbox } from './render/outbox.ts';
import { keyCommand, renderMetricsCard, type PredictCommand } from './render/render-card.ts';
import { renderThreadReply } from './render/render-run.ts';
import { renderStatus } from './render/render-status.ts';
import type { HeldKeys } from './held-keys.ts';
import { deliverDataset } from './dataset-delivery.ts';
import { foldRunEvent, foldRunEvents, initialView, type RunView } from './render/run-view.ts';
import type { RunThread, RunThreadStore } from './run-thread-store.ts';

export interface RunThreadsOptions {
  redis: Redis;
  store: RunThreadStore;
  outbox: Outbox;
  logger: Logger;
  /** OURO_HOME: a run's archived events, once its stream has expired. */
  home: string;
  /** With a remote artifact store the archives are in the bucket, not under `home`. */
  artifacts?: ArtifactStore;
  /** How the platform mentions a user (Slack: `<@U123>`). */
  mention: (user: string) => string;
  predictCommand: PredictCommand;
  /** A chart of a finished model (feature importance), or null when there is none. */
  chart?: (card: ModelCard) => Promise<ChatFile | null>;
  /** A row the deployed model accepts, for the card's /predict example. */
  example?: (name: string) => Promise<Record<string, unknown> | null>;
  /** How often the status message is refreshed between events (the clock moves). */
  tickMs?: number;
  /** How long a question (which column to predict) waits for its answer (OURO_QUESTION_WAIT_S). */
  questionWaitMs?: number;
  /** Keys whose direct message failed, waiting for their owner to ask. */
  heldKeys: HeldKeys;
  /** Largest synthetic dataset uploaded into a thread (OURO_SYNTH_UPLOAD_MB); bigger ones are linked. */
  datasetUploadBytes?: number;
}

interface Follower {
  abort: AbortController;
  done: Promise<void>;
  view: RunView;
}

/** Stream ids are `<ms>-<seq>`; true when `a` comes after `b`. */
export function isAfter(a: string, b: string): boolean {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am > bm || (am === bm && (as ?? 0) > (bs ?? 0));
}

export const keyMessage = (name: string, key: string): ChatMessage => ({
  text: `The key for ${name} (only you can see this): ${key}`,
  blocks: [
    {
      type: 'text',
      text: `🔑 The key for **${name}**. Only you can see this message; ouro does not keep the key: store it somewhere safe.`,
    },
    { type: 'code', text: key },
    {
      type: 'context',
      text: `send it as \`Authorization: Bearer <key>\` · \`ouro models key rotate ${name}\` replaces it`,
    },
  ],
});

/**
 * Tells each run's story in its thread, from the run's event stream: replies for what matters,
 * the live status message, the key (privately), the card and the chart. Progress is saved per
 * event, so a bot that restarts replays the streams of unfinished runs and posts only what it
 * had not posted yet.
 */
export class RunThreads {
  private readonly followers = new Map<string, Follower>();
  private readonly tickMs: number;

  constructor(private readonly opts: RunThreadsOptions) {
    // Events refresh the status too; the tick only moves the clock (chat.update is rate limited per workspace).
    this.tickMs = opts.tickMs ?? 10_000;
  }

  /** Starts following a run's events into its thread (once per run). */
  follow(thread: RunThread): void {
    if (this.followers.has(thread.runId) || thread.done) return;
    const abort = new AbortController();
    const follower: Follower = { abort, view: initialView(thread), done: Promise.resolve() };
    follower.done = this.tell(thread, follower).catch((err: unknown) => {
      if (!abort.signal.aborted)
        this.opts.logger.error(
          { err: (err as Error).stack ?? String(err), runId: thread.runId },
          'bot: following a run failed',
        );
    });
    this.followers.set(thread.runId, follower);
    void follower.done.finally(() => {
      if (this.followers.get(thread.runId) === follower) this.followers.delete(thread.runId);
    });
  }

  /** Picks up every run the bot was following before it stopped. */
  async resume(): Promise<number> {
    const threads = await this.opts.store.active();
    for (const t of threads) this.follow(t);
    return threads.length;
  }

  /** The run as it stands: live when followed, else replayed from its events. */
  async view(thread: RunThread): Promise<RunView> {
    const live = this.followers.get(thread.runId);
    if (live !== undefined) return live.view;
    const events = (await this.replay(thread.runId)).map((s) => s.event);
    return foldRunEvents(initialView(thread), events);
  }

  /** Resolves when the run's thread has been told to its end (tests, shutdown). */
  async settled(runId: string): Promise<void> {
    await this.followers.get(runId)?.done;
  }

  async close(): Promise<void> {
    const all = [...this.followers.values()];
    all.forEach((f) => f.abort.abort());
    await Promise.allSettled(all.map((f) => f.done));
  }

  /** The stream while it lives; the archived file once it has expired. */
  private async replay(runId: string): Promise<{ id: string | null; event: RunEvent }[]> {
    const live = await readRunEvents(this.opts.redis, runId);
    if (live.length > 0) return live;
    const archived = await readArchivedEvents(this.opts.home, runId, this.opts.artifacts);
    return archived.map((event) => ({ id: null, event }));
  }

  private async *events(
    runId: string,
    signal: AbortSignal,
  ): AsyncGenerator<{ id: string | null; event: RunEvent }> {
    if ((await this.opts.redis.exists(redisKeys.events(runId))) === 0) {
      const archived = await readArchivedEvents(this.opts.home, runId, this.opts.artifacts);
      if (archived.some(isTerminal)) {
        for (const event of archived) yield { id: null, event };
        return;
      }
    }
    const stream: AsyncGenerator<StreamedEvent> = followRunEvents(this.opts.redis, runId, { signal });
    for await (const item of stream) yield item;
  }

  private async tell(start: RunThread, follower: Follower): Promise<void> {
    const { outbox, store } = this.opts;
    let thread = start;
    const signal = follower.abort.signal;
    const refresh = () =>
      outbox.update(thread.channel, thread.statusMessage, renderStatus(follower.view, Date.now()));
    const ticker = setInterval(refresh, this.tickMs);
    let index = 0;
    try {
      for await (const { id, event } of this.events(thread.runId, signal)) {
        follower.view = foldRunEvent(follower.view, event);
        index += 1;
        const fresh = id !== null ? isAfter(id, thread.lastEventId) : index > thread.rendered;
        if (!fresh) continue;
        if (signal.aborted) return;
        // Shutting down before the event was told: leave it for the next bot to tell.
        if (
          (await this.retrying(thread.runId, signal, () => this.tellEvent(thread, event, follower.view))) ===
          'aborted'
        )
          return;
        if (event.type === 'deployed' && !thread.keySent && !thread.keyHeld) {
          const handed = await this.handOverKey(thread, event.name);
          if (handed === 'sent')
            thread = (await store.update(thread.runId, { keySent: true })) ?? { ...thread, keySent: true };
          if (handed === 'held')
            thread = (await store.update(thread.runId, { keyHeld: true })) ?? { ...thread, keyHeld: true };
        }
        refresh();
        // A question keeps the thread open until it is answered or its wait is over (below).
        const done = isTerminal(event) && event.type !== 'question';
        thread =
          (await store.update(thread.runId, {
            ...(id !== null ? { lastEventId: id } : {}),
            rendered: index,
            ...(done ? { done: true } : {}),
          })) ?? thread;
        if (done) break;
      }
    } finally {
      clearInterval(ticker);
    }
    if (follower.view.state === 'asking' && !signal.aborted)
      await this.awaitAnswer(thread, follower.view, signal);
  }

  /**
   * A question waits, bounded: when no answer has started a new run in the thread by the
   * deadline, the thread says that it stopped. A restarted bot follows the thread again (it is
   * not done) and waits out what is left.
   */
  private async awaitAnswer(thread: RunThread, view: RunView, signal: AbortSignal): Promise<void> {
    const waitMs = this.opts.questionWaitMs ?? 30 * 60_000;
    const left = (view.question?.askedAt ?? Date.now()) + waitMs - Date.now();
    if (left > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
    if (signal.aborted) return;
    const current = await this.opts.store.runOfThread(thread.platform, thread.channel, thread.thread);
    if (current === thread.runId) {
      await this.opts.outbox.post(
        thread.channel,
        thread.thread,
        textMessage(
          `⌛ No answer within ${Math.round(waitMs / 60_000)} minutes, so I stopped without training anything. Mention me with the file again and name the column, e.g. \`target ${view.question?.candidates[0]?.column ?? '<column>'}\`.`,
        ),
      );
    }
    await this.opts.store.update(thread.runId, { done: true });
  }

  /**
   * The platform may be unreachable for a while (the SDK has retried already): try the event
   * again a few times, then move on rather than stall the thread for good.
   */
  private async retrying(
    runId: string,
    signal: AbortSignal,
    tell: () => Promise<void>,
  ): Promise<'told' | 'gave_up' | 'aborted'> {
    const waits = [5_000, 30_000, 120_000];
    for (let attempt = 0; ; attempt++) {
      try {
        await tell();
        return 'told';
      } catch (err) {
        if (signal.aborted) return 'aborted';
        if (attempt >= waits.length) {
          this.opts.logger.error(
            { err: (err as Error).message, runId },
            'bot: giving up on telling an event in the thread',
          );
          return 'gave_up';
        }
        this.opts.logger.warn(
          { err: (err as Error).message, runId },
          'bot: telling an event failed; retrying',
        );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, waits[attempt]);
          signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
        });
        if (signal.aborted) return 'aborted';
      }
    }
  }

  private async tellEvent(thread: RunThread, event: RunEvent, view: RunView): Promise<void> {
    const { outbox } = this.opts;
    const reply = renderThreadReply(event, view);
    if (reply !== null) await outbox.post(thread.channel, thread.thread, reply);
    // Long jobs end while people are elsewhere: the person who asked is pinged at the end.
    if (event.type === 'failed')
      await outbox.post(
        thread.channel,
        thread.thread,
        textMessage(`🔔 ${this.opts.mention(thread.user)}, your run on \`${thread.file}\` failed (above).`),
      );
    if (event.type === 'report.published') return this.tellReport(thread, event);
    if (event.type === 'dataset.published') {
      const { home, artifacts, logger, mention } = this.opts;
      return deliverDataset(
        {
          outbox,
          logger,
          home,
          ...(artifacts ? { artifacts } : {}),
          mention,
          maxUploadBytes: this.opts.datasetUploadBytes ?? 8 * 1024 * 1024,
        },
        thread,
        event,
      );
    }
    if (event.type !== 'finished') return;
    const card = event.card;
    const example =
      view.deployed !== null && this.opts.example
        ? await this.opts.example(card.name).catch(() => null)
        : null;
    await outbox.post(
      thread.channel,
      thread.thread,
      renderMetricsCard(card, {
        url: view.deployed?.url ?? null,
        key: thread.keySent
          ? 'sent'
          : thread.keyHeld
            ? 'held'
            : view.deployed !== null
              ? 'existing'
              : 'unknown',
        requester: this.opts.mention(thread.user),
        example,
        predictCommand: this.opts.predictCommand,
      }),
    );
    if (this.opts.chart) {
      const chart = await this.opts.chart(card).catch((err: unknown) => {
        this.opts.logger.warn({ err: (err as Error).message, runId: thread.runId }, 'bot: no chart');
        return null;
      });
      if (chart !== null)
        await outbox
          .upload(thread.channel, thread.thread, chart)
          .catch((err: unknown) =>
            this.opts.logger.warn({ err: (err as Error).message }, 'bot: chart upload failed'),
          );
    }
    const lost = view.challenge !== null && !view.challenge.promoted;
    const ready = lost
      ? `the champion **${card.name}** v${view.challenge!.championVersion} stays deployed (the challenger is saved as v${card.version})`
      : view.deployed !== null
        ? `**${card.name}** v${card.version} is deployed`
        : `**${card.name}** v${card.version} is saved`;
    await outbox.post(
      thread.channel,
      thread.thread,
      textMessage(
        `🔔 ${this.opts.mention(thread.user)}, your run on \`${thread.file}\` finished: ${ready} (the card is above).`,
      ),
    );
  }

  /** An analysis run's end: one to three of its charts under the answer, then the ping. */
  private async tellReport(
    thread: RunThread,
    event: Extract<RunEvent, { type: 'report.published' }>,
  ): Promise<void> {
    const root = join(this.opts.home, 'reports', event.report);
    for (const chart of event.charts.slice(0, 3)) {
      // Written in a sandbox before the host copied it: read like sandbox output. A bot on another host has no copy.
      const data = await readUntrusted(join(root, chart.path), {
        root,
        maxBytes: UNTRUSTED_CAPS.image,
      }).catch(() => null);
      if (data !== null)
        await this.opts.outbox
          .upload(thread.channel, thread.thread, {
            filename: chart.path.split('/').pop()!,
            title: chart.title,
            data,
          })
          .catch((err: unknown) =>
            this.opts.logger.warn({ err: (err as Error).message }, 'bot: chart upload failed'),
          );
    }
    await this.opts.outbox.post(
      thread.channel,
      thread.thread,
      textMessage(
        `🔔 ${this.opts.mention(thread.user)}, your question about \`${thread.file}\` is answered (above)${event.url ? `; the full report: ${event.url}` : ''}. Ask another question here and I will answer it from the same data.`,
      ),
    );
  }

  /**
   * A key the worker just made goes to the person who asked, by direct message, once; then it is
   * forgotten. When the DM fails (DMs closed, the DM cannot be opened) the key is held for an hour
   * and the thread tells its owner how to collect it privately; it is never lost silently.
   */
  private async handOverKey(thread: RunThread, name: string): Promise<'sent' | 'held' | 'none'> {
    const key = await this.opts.redis.get(redisKeys.freshKey(thread.runId));
    if (key === null) return 'none';
    try {
      // The one message a model key may appear in; from now on this process redacts it everywhere.
      await this.opts.outbox.postDirect(thread.user, keyMessage(name, key), [key]);
      registerSecrets([key]);
    } catch (err) {
      registerSecrets([key]);
      this.opts.logger.warn(
        { err: (err as Error).message, runId: thread.runId },
        'bot: could not send the model key by direct message; holding it',
      );
      await this.opts.heldKeys.hold(thread.platform, name, thread.runId, thread.user);
      const how = keyCommand(this.opts.predictCommand, name);
      await this.opts.outbox
        .post(
          thread.channel,
          thread.thread,
          textMessage(
            `🔑 ${this.opts.mention(thread.user)}, I could not send you the key of **${name}** by direct message (${directFailure(err)}). \`${how}\` hands it to you privately, once, within the hour.`,
          ),
        )
        .catch((e: unknown) =>
          this.opts.logger.warn({ err: (e as Error).message }, 'bot: could not say where the key is'),
        );
      return 'held';
    }
    await this.opts.redis.del(redisKeys.freshKey(thread.runId));
    return 'sent';
  }
}

/** Why a DM failed, in the words a person can act on. */
function directFailure(err: unknown): string {
  const code = (err as { code?: unknown; data?: { error?: string } }).code;
  if (code === 50007) return 'your direct messages from server members are off';
  const slack = (err as { data?: { error?: string } }).data?.error;
  if (slack !== undefined) return `Slack said \`${slack}\``;
  return (err as Error).message;
}
