import { webApi } from '@slack/bolt';
import { RateLimitedError, type ChatPort } from '../chat-port.ts';
import type { ChatFile, ChatMessage } from '../render/chat-message.ts';
import { toSlackMessage } from './slack-blocks.ts';

type WebClient = InstanceType<typeof webApi.WebClient>;

/**
 * The chat port over Slack's Web API. The client is built with `rejectRateLimitedCalls`, so a
 * 429 comes back here as a RateLimitedError and the outbox (which knows the channel's queue)
 * waits and retries, instead of the SDK stalling every call.
 */
export class SlackChat implements ChatPort {
  private readonly ims = new Map<string, string>();

  constructor(private readonly client: WebClient) {}

  async post(channel: string, thread: string | undefined, message: ChatMessage): Promise<{ id: string }> {
    const res = await call(() =>
      this.client.chat.postMessage({
        channel,
        ...(thread ? { thread_ts: thread } : {}),
        ...toSlackMessage(message),
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
    return { id: res.ts! };
  }

  async update(channel: string, messageId: string, message: ChatMessage): Promise<void> {
    await call(() => this.client.chat.update({ channel, ts: messageId, ...toSlackMessage(message) }));
  }

  async postPrivate(
    channel: string,
    user: string,
    thread: string | undefined,
    message: ChatMessage,
  ): Promise<void> {
    await call(() =>
      this.client.chat.postEphemeral({
        channel,
        user,
        ...(thread ? { thread_ts: thread } : {}),
        ...toSlackMessage(message),
      }),
    );
  }

  /**
   * A DM: conversations.open (scope im:write) for the bot's IM with the user, then
   * chat.postMessage into it. Unlike chat.postEphemeral, which Slack only shows to a user who is
   * active in the channel at that moment (and still answers ok when it is not shown), a DM stays.
   */
  async postDirect(user: string, message: ChatMessage): Promise<void> {
    let im = this.ims.get(user);
    if (im === undefined) {
      const opened = await call(() => this.client.conversations.open({ users: user }));
      im = opened.channel?.id;
      if (im === undefined) throw new Error('conversations.open returned no channel');
      this.ims.set(user, im);
    }
    const channel = im;
    await call(() =>
      this.client.chat.postMessage({
        channel,
        ...toSlackMessage(message),
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
  }

  async upload(channel: string, thread: string | undefined, file: ChatFile): Promise<void> {
    const contents = { file: file.data, filename: file.filename, title: file.title };
    await call(() =>
      this.client.filesUploadV2(
        thread
          ? { channel_id: channel, thread_ts: thread, ...contents }
          : { channel_id: channel, ...contents },
      ),
    );
  }
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const e = err as { code?: string; retryAfter?: number };
    if (e.code === webApi.ErrorCode.RateLimitedError)
      throw new RateLimitedError((e.retryAfter ?? 1) * 1000, { cause: err });
    throw err;
  }
}
