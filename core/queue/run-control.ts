import type { Redis } from 'ioredis';
import { z } from 'zod';
import { redisKeys } from './redis-keys.ts';

/** What a person can tell a running run: stop it, or steer the brain's next decision. */
export const ControlMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('stop'), by: z.string().optional() }),
  z.object({ type: z.literal('steer'), text: z.string().min(1).max(2000), by: z.string().optional() }),
]);
export type ControlMessage = z.infer<typeof ControlMessageSchema>;

export async function sendControl(redis: Redis, runId: string, message: ControlMessage): Promise<void> {
  const parsed = ControlMessageSchema.parse(message);
  await redis.xadd(redisKeys.control(runId), 'MAXLEN', '~', '1000', '*', 'm', JSON.stringify(parsed));
}

type XEntries = [id: string, fields: string[]][];

/**
 * Delivers every control message of a run, from the first (a stop sent before a worker took
 * the run still counts, and a resumed run hears all earlier steering), until `signal` aborts.
 */
export async function watchControl(
  redis: Redis,
  runId: string,
  onMessage: (m: ControlMessage) => void,
  signal: AbortSignal,
): Promise<void> {
  const reader = redis.duplicate();
  let last = '0';
  const stop = () => reader.disconnect();
  signal.addEventListener('abort', stop, { once: true });
  try {
    while (!signal.aborted) {
      let res: [string, XEntries][] | null;
      try {
        res = (await reader.xread('COUNT', 100, 'BLOCK', 500, 'STREAMS', redisKeys.control(runId), last)) as
          [string, XEntries][] | null;
      } catch (err) {
        if (signal.aborted) return;
        throw err;
      }
      for (const [id, fields] of res?.[0]?.[1] ?? []) {
        last = id;
        const raw = fields[fields.indexOf('m') + 1];
        const msg = raw === undefined ? null : ControlMessageSchema.safeParse(JSON.parse(raw));
        if (msg?.success) onMessage(msg.data);
      }
    }
  } finally {
    signal.removeEventListener('abort', stop);
    reader.disconnect();
  }
}
