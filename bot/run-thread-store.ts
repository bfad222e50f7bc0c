import type { Redis } from 'ioredis';
import { z } from 'zod';
import { redisKeys } from '../core/queue/redis-keys.ts';
import { RunRequestSchema } from '../core/schemas/run-request.ts';

/** Where a run's story is told, persisted so that a restarted bot carries on where it was. */
export const RunThreadSchema = z.object({
  runId: z.string(),
  platform: z.enum(['slack', 'discord']),
  workspace: z.string().optional(),
  channel: z.string(),
  /** The platform's thread id (Slack: the ts of the message that asked). */
  thread: z.string(),
  /** The live status message. */
  statusMessage: z.string(),
  /** Who asked: the only person who sees the model key. */
  user: z.string(),
  goal: z.string(),
  file: z.string(),
  budgetSeconds: z.number(),
  maxExperiments: z.number(),
  /** The stream id of the last event whose reply was posted ('0': none yet). */
  lastEventId: z.string().default('0'),
  /** How many events were rendered (the archive has no stream ids). */
  rendered: z.number().int().nonnegative().default(0),
  keySent: z.boolean().default(false),
  /** The key's DM failed: it waits for `/predict key <model>` (bot/held-keys.ts). */
  keyHeld: z.boolean().default(false),
  done: z.boolean().default(false),
  /** The request the bot queued: answering a question about it starts it again with a target. */
  request: RunRequestSchema.optional(),
});
export type RunThread = z.infer<typeof RunThreadSchema>;

/** A thread outlives its run by this much (replies to an old thread get "this run has finished"). */
const THREAD_TTL_S = 30 * 24 * 3600;

export class RunThreadStore {
  constructor(private readonly redis: Redis) {}

  async save(t: RunThread): Promise<void> {
    const parsed = RunThreadSchema.parse(t);
    const tx = this.redis
      .multi()
      .set(redisKeys.botThread(parsed.runId), JSON.stringify(parsed), 'EX', THREAD_TTL_S)
      .set(
        redisKeys.botThreadRun(parsed.platform, parsed.channel, parsed.thread),
        parsed.runId,
        'EX',
        THREAD_TTL_S,
      );
    if (parsed.done) tx.srem(redisKeys.botActiveRuns, parsed.runId);
    else tx.sadd(redisKeys.botActiveRuns, parsed.runId);
    await tx.exec();
  }

  async get(runId: string): Promise<RunThread | null> {
    const raw = await this.redis.get(redisKeys.botThread(runId));
    if (raw === null) return null;
    const parsed = RunThreadSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  }

  async runOfThread(
    platform: RunThread['platform'],
    channel: string,
    thread: string,
  ): Promise<string | null> {
    return this.redis.get(redisKeys.botThreadRun(platform, channel, thread));
  }

  async update(
    runId: string,
    patch: Partial<
      Pick<RunThread, 'lastEventId' | 'rendered' | 'keySent' | 'keyHeld' | 'done' | 'statusMessage'>
    >,
  ): Promise<RunThread | null> {
    const current = await this.get(runId);
    if (current === null) return null;
    const next = { ...current, ...patch };
    await this.save(next);
    return next;
  }

  /** Runs whose threads were still being followed (the restart replay). */
  async active(): Promise<RunThread[]> {
    const ids = await this.redis.smembers(redisKeys.botActiveRuns);
    const out: RunThread[] = [];
    for (const id of ids) {
      const t = await this.get(id);
      if (t !== null && !t.done) out.push(t);
      else await this.redis.srem(redisKeys.botActiveRuns, id);
    }
    return out;
  }

  /** Claims a platform event id; false when it was handled before (a retried delivery). */
  async claimEvent(platform: RunThread['platform'], eventId: string): Promise<boolean> {
    return (await this.redis.set(redisKeys.botEvent(platform, eventId), '1', 'EX', 24 * 3600, 'NX')) === 'OK';
  }
}
