import { containsSecret, redactDeep } from '../../core/redact.ts';
import type { Logger } from '../../core/logger.ts';
import { RateLimitedError, type ChatPort } from '../chat-port.ts';
import type { ChatFile, ChatMessage } from './chat-message.ts';

export interface OutboxOptions {
  chat: ChatPort;
  logger: Logger;
  /** Least time between two posts in one channel (Slack allows about one message per second per channel). */
  postGapMs?: number;
  /** Least time between two edits of one message: a live status is edited at most this often. */
  updateGapMs?: number;
  /** Tries per call when the platform keeps answering "rate limited". */
  maxAttempts?: number;
  /**
   * Edits per minute across every channel (unset: no shared limit). Slack's chat.update is
   * Tier 3, counted per workspace and method, not per channel: concurrent runs editing their
   * status messages share one budget, so they share one gate, and a 429 on any edit pauses all.
   */
  updatesPerMinute?: number;
}

interface Lane {
  tail: Promise<unknown>;
  lastPostAt: number;
  /** Set by a rate-limited answer: nothing in the channel goes out before then. */
  pausedUntil: number;
}

interface PendingEdit {
  channel: string;
  id: string;
  message: ChatMessage;
  /** The content last sent, serialized: an edit that changes nothing is not sent. */
  sent: string | null;
  lastAt: number;
  timer: NodeJS.Timeout | null;
  inflight: Promise<void> | null;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

/**
 * Everything the bot says goes through here, one lane per channel: posts keep their order and
 * a gap, edits of a message are coalesced (only the newest content is sent, at most every
 * `updateGapMs`), and a rate-limited answer pauses the lane for the time the platform asked,
 * then the same call is tried again.
 */
export class Outbox {
  private readonly lanes = new Map<string, Lane>();
  private readonly edits = new Map<string, PendingEdit>();
  private readonly postGapMs: number;
  private readonly updateGapMs: number;
  private readonly maxAttempts: number;
  private closed = false;
  /** The shared edit gate: the earliest time the next edit may go out. */
  private nextUpdateAt = 0;

  constructor(private readonly opts: OutboxOptions) {
    this.postGapMs = opts.postGapMs ?? 1100;
    this.updateGapMs = opts.updateGapMs ?? 3000;
    this.maxAttempts = opts.maxAttempts ?? 6;
  }

  /** Posts a message (in a thread when `thread` is set) and resolves with its id once sent. */
  post(channel: string, thread: string | undefined, message: ChatMessage): Promise<string> {
    const clean = redactDeep(message);
    return this.enqueue(channel, true, async () => (await this.opts.chat.post(channel, thread, clean)).id);
  }

  /** `allow`: a value that may pass redaction in this one private message (a new model key for its owner). */
  postPrivate(
    channel: string,
    user: string,
    thread: string | undefined,
    message: ChatMessage,
    allow: readonly string[] = [],
  ): Promise<void> {
    const clean = redactDeep(message, allow);
    return this.enqueue(channel, true, () => this.opts.chat.postPrivate(channel, user, thread, clean));
  }

  /** A direct message; `allow` as for postPrivate. It goes in the user's own lane (a DM is a channel of its own). */
  postDirect(user: string, message: ChatMessage, allow: readonly string[] = []): Promise<void> {
    const clean = redactDeep(message, allow);
    return this.enqueue(`dm:${user}`, true, () => this.opts.chat.postDirect(user, clean));
  }

  upload(channel: string, thread: string | undefined, file: ChatFile): Promise<void> {
    // A file that carries a secret the host holds is not sent at all: bytes cannot be redacted
    // safely, and an honest chart never contains a token.
    if (containsSecret(file.data))
      return Promise.reject(
        new Error(
          `${file.filename} was not uploaded: it contains a secret this host holds (see docs/security.md)`,
        ),
      );
    const clean = redactDeep({ ...file, data: undefined });
    return this.enqueue(channel, true, () =>
      this.opts.chat.upload(channel, thread, { ...clean, data: file.data }),
    );
  }

  /** Replaces the content of a posted message, soon; later calls before it is sent win. */
  update(channel: string, id: string, message: ChatMessage): void {
    if (this.closed) return;
    const key = `${channel}:${id}`;
    let edit = this.edits.get(key);
    if (edit === undefined) {
      edit = {
        channel,
        id,
        message: redactDeep(message),
        sent: null,
        lastAt: 0,
        timer: null,
        inflight: null,
      };
      this.edits.set(key, edit);
    }
    edit.message = redactDeep(message);
    this.schedule(edit);
  }

  /** Sends every pending edit now and waits until every lane is idle. */
  async flush(): Promise<void> {
    for (;;) {
      for (const edit of this.edits.values()) {
        if (edit.timer !== null) {
          clearTimeout(edit.timer);
          edit.timer = null;
          this.sendEdit(edit);
        }
      }
      const busy = [...this.lanes.values()].map((l) => l.tail);
      const inflight = [...this.edits.values()].flatMap((e) => (e.inflight ? [e.inflight] : []));
      await Promise.allSettled([...busy, ...inflight]);
      const pending = [...this.edits.values()].some((e) => e.timer !== null || e.inflight !== null);
      if (!pending) return;
    }
  }

  /** Flushes, then refuses further edits (shutdown). */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private schedule(edit: PendingEdit): void {
    if (edit.timer !== null || edit.inflight !== null) return;
    const wait = edit.lastAt + this.updateGapMs - Date.now();
    edit.timer = setTimeout(
      () => {
        edit.timer = null;
        this.sendEdit(edit);
      },
      Math.max(0, wait),
    );
  }

  private sendEdit(edit: PendingEdit): void {
    const message = edit.message;
    const content = JSON.stringify(message);
    if (content === edit.sent) return;
    edit.inflight = this.enqueue(edit.channel, false, () => this.gatedUpdate(edit.channel, edit.id, message))
      .then(
        () => {
          edit.sent = content;
        },
        (err: unknown) =>
          this.opts.logger.warn(
            { err: (err as Error).message, channel: edit.channel },
            'chat: editing a message failed',
          ),
      )
      .finally(() => {
        edit.inflight = null;
        edit.lastAt = Date.now();
        if (edit.message !== message && !this.closed) this.schedule(edit);
      });
  }

  /** One edit through the shared gate (when there is one); a 429 holds every later edit back too. */
  private async gatedUpdate(channel: string, id: string, message: ChatMessage): Promise<void> {
    const perMinute = this.opts.updatesPerMinute;
    if (perMinute === undefined) return this.opts.chat.update(channel, id, message);
    const slot = Math.max(Date.now(), this.nextUpdateAt);
    this.nextUpdateAt = slot + 60_000 / perMinute;
    await sleep(slot - Date.now());
    try {
      await this.opts.chat.update(channel, id, message);
    } catch (err) {
      if (err instanceof RateLimitedError)
        this.nextUpdateAt = Math.max(this.nextUpdateAt, Date.now() + err.retryAfterMs);
      throw err;
    }
  }

  private lane(channel: string): Lane {
    let lane = this.lanes.get(channel);
    if (lane === undefined) {
      lane = { tail: Promise.resolve(), lastPostAt: 0, pausedUntil: 0 };
      this.lanes.set(channel, lane);
    }
    return lane;
  }

  private enqueue<T>(channel: string, isPost: boolean, call: () => Promise<T>): Promise<T> {
    const lane = this.lane(channel);
    const run = async (): Promise<T> => {
      for (let attempt = 1; ; attempt++) {
        const gapUntil = isPost ? lane.lastPostAt + this.postGapMs : 0;
        await sleep(Math.max(gapUntil, lane.pausedUntil) - Date.now());
        try {
          const result = await call();
          if (isPost) lane.lastPostAt = Date.now();
          return result;
        } catch (err) {
          if (!(err instanceof RateLimitedError) || attempt >= this.maxAttempts) throw err;
          this.opts.logger.info(
            { channel, retryAfterMs: err.retryAfterMs, attempt },
            'chat: rate limited; retrying',
          );
          lane.pausedUntil = Date.now() + err.retryAfterMs;
        }
      }
    };
    const result = lane.tail.then(run, run);
    lane.tail = result.catch(() => undefined);
    return result;
  }
}
