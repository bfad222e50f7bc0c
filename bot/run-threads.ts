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
import { textMessage, type ChatFile } from './render/chat-message.ts';
import type { Outbox } from './render/outbox.ts';
import type { PredictCommand } from './render/render-card.ts';
import { renderStatus } from './render/render-status.ts';
import type { HeldKeys } from './held-keys.ts';
import { handOverKey } from './key-handover.ts';
import { foldRunEvent, foldRunEvents, initialView, type RunView } from './render/run-view.ts';
import type { RunThread, RunThreadStore } from './run-thread-store.ts';
import { tellEvent } from './tell-event.ts';

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
          (await this.retrying(thread.runId, signal, () =>
            tellEvent(this.opts, thread, event, follower.view),
          )) === 'aborted'
        )
          return;
        if (event.type === 'deployed' && !thread.keySent && !thread.keyHeld) {
          const handed = await handOverKey(this.opts, thread, event.name);
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
}
