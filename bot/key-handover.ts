import { registerSecrets } from '../core/redact.ts';
import { redisKeys } from '../core/queue/redis-keys.ts';
import { textMessage, type ChatMessage } from './render/chat-message.ts';
import { keyCommand } from './render/render-card.ts';
import type { RunThread } from './run-thread-store.ts';
import type { RunThreadsOptions } from './run-threads.ts';

/** The one message a model key appears in: private to the person who asked for the model. */
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
 * A key the worker just made goes to the person who asked, by direct message, once; then it is
 * forgotten. When the DM fails (DMs closed, the DM cannot be opened) the key is held for an hour
 * and the thread tells its owner how to collect it privately; it is never lost silently.
 */
export async function handOverKey(
  opts: RunThreadsOptions,
  thread: RunThread,
  name: string,
): Promise<'sent' | 'held' | 'none'> {
  const key = await opts.redis.get(redisKeys.freshKey(thread.runId));
  if (key === null) return 'none';
  try {
    // The one message a model key may appear in; from now on this process redacts it everywhere.
    await opts.outbox.postDirect(thread.user, keyMessage(name, key), [key]);
    registerSecrets([key]);
  } catch (err) {
    registerSecrets([key]);
    opts.logger.warn(
      { err: (err as Error).message, runId: thread.runId },
      'bot: could not send the model key by direct message; holding it',
    );
    await opts.heldKeys.hold(thread.platform, name, thread.runId, thread.user);
    const how = keyCommand(opts.predictCommand, name);
    await opts.outbox
      .post(
        thread.channel,
        thread.thread,
        textMessage(
          `🔑 ${opts.mention(thread.user)}, I could not send you the key of **${name}** by direct message (${directFailure(err)}). \`${how}\` hands it to you privately, once, within the hour.`,
        ),
      )
      .catch((e: unknown) =>
        opts.logger.warn({ err: (e as Error).message }, 'bot: could not say where the key is'),
      );
    return 'held';
  }
  await opts.redis.del(redisKeys.freshKey(thread.runId));
  return 'sent';
}

/** Why a DM failed, in the words a person can act on. */
function directFailure(err: unknown): string {
  const code = (err as { code?: unknown; data?: { error?: string } }).code;
  if (code === 50007) return 'your direct messages from server members are off';
  const slack = (err as { data?: { error?: string } }).data?.error;
  if (slack !== undefined) return `Slack said \`${slack}\``;
  return (err as Error).message;
}
