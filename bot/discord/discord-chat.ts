import { RateLimitError, Routes, type REST } from 'discord.js';
import { RateLimitedError, type ChatPort } from '../chat-port.ts';
import type { ChatFile, ChatMessage } from '../render/chat-message.ts';
import { toDiscordMessage } from './discord-message.ts';

/**
 * The chat port over Discord's REST API. On Discord a thread is a channel of its own, so a
 * run's messages go to the thread's channel id (`thread`, else `channel`). There are no
 * ephemeral messages outside interactions: "privately" is a direct message.
 */
export class DiscordChat implements ChatPort {
  private readonly dms = new Map<string, string>();

  constructor(private readonly rest: REST) {}

  async post(channel: string, thread: string | undefined, message: ChatMessage): Promise<{ id: string }> {
    const res = (await call(() =>
      this.rest.post(Routes.channelMessages(thread ?? channel), { body: toDiscordMessage(message) }),
    )) as { id: string };
    return { id: res.id };
  }

  async update(channel: string, messageId: string, message: ChatMessage): Promise<void> {
    await call(() =>
      this.rest.patch(Routes.channelMessage(channel, messageId), { body: toDiscordMessage(message) }),
    );
  }

  async postPrivate(
    _channel: string,
    user: string,
    _thread: string | undefined,
    message: ChatMessage,
  ): Promise<void> {
    await this.postDirect(user, message);
  }

  /** Rejects with DiscordAPIError 50007 when the user does not take DMs from server members. */
  async postDirect(user: string, message: ChatMessage): Promise<void> {
    let dm = this.dms.get(user);
    if (dm === undefined) {
      dm = (
        (await call(() => this.rest.post(Routes.userChannels(), { body: { recipient_id: user } }))) as {
          id: string;
        }
      ).id;
      this.dms.set(user, dm);
    }
    const target = dm;
    await call(() => this.rest.post(Routes.channelMessages(target), { body: toDiscordMessage(message) }));
  }

  async upload(channel: string, thread: string | undefined, file: ChatFile): Promise<void> {
    await call(() =>
      this.rest.post(Routes.channelMessages(thread ?? channel), {
        body: {
          content: file.title.slice(0, 2000),
          attachments: [{ id: 0, filename: file.filename }],
          allowed_mentions: { parse: [] },
        },
        files: [{ name: file.filename, data: file.data }],
      }),
    );
  }
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RateLimitError) throw new RateLimitedError(err.retryAfter, { cause: err });
    throw err;
  }
}
