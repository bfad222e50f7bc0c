import type { ChatFile, ChatMessage } from './render/chat-message.ts';

/**
 * What the bot needs from a chat platform to tell a run's story: each adapter (Slack, later
 * Discord) implements it over its own client. `thread` is the platform's thread id (Slack: the
 * `thread_ts` of the message that started the run).
 */
export interface ChatPort {
  post(channel: string, thread: string | undefined, message: ChatMessage): Promise<{ id: string }>;
  update(channel: string, messageId: string, message: ChatMessage): Promise<void>;
  /** Visible to `user` only, shown in the channel while they are there (Slack: ephemeral, which is not delivered to someone who is away). */
  postPrivate(channel: string, user: string, thread: string | undefined, message: ChatMessage): Promise<void>;
  /**
   * A direct message to `user`, kept in their DMs: what a model key is sent by. Rejects when the
   * platform refuses (Discord 50007: the user's server DMs are off; Slack: the DM cannot be opened).
   */
  postDirect(user: string, message: ChatMessage): Promise<void>;
  upload(channel: string, thread: string | undefined, file: ChatFile): Promise<void>;
}

/** The platform said "too many requests": try again after `retryAfterMs`. */
export class RateLimitedError extends Error {
  readonly code = 'rate_limited';
  constructor(
    readonly retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    super(`rate limited; retry after ${Math.round(retryAfterMs)} ms`, options);
    this.name = 'RateLimitedError';
  }
}
