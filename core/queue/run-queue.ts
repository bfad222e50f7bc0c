import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { RunRequestSchema, type RunRequest } from '../schemas/run-request.ts';
import { redisKeys } from './redis-keys.ts';

const IDEMPOTENCY_TTL_S = 7 * 24 * 3600;

export interface Enqueued {
  runId: string;
  /** True when the idempotency key was seen before: no new run was created. */
  duplicate: boolean;
}

/**
 * The producer side of the `runs` queue: what the bot and `ouro submit` use. The job id is
 * the run id, and an idempotency key (the chat event id) maps to exactly one run.
 */
export class RunQueue {
  private readonly queue: Queue;

  constructor(
    private readonly redis: Redis,
    url: string,
    name: string,
  ) {
    this.queue = new Queue(name, { connection: { url } });
  }

  async enqueue(input: RunRequest): Promise<Enqueued> {
    const request = RunRequestSchema.parse(input);
    if (request.idempotencyKey !== undefined) {
      const key = redisKeys.idempotency(request.idempotencyKey);
      const claimed = await this.redis.set(key, request.runId, 'EX', IDEMPOTENCY_TTL_S, 'NX');
      if (claimed === null) {
        const existing = await this.redis.get(key);
        return { runId: existing ?? request.runId, duplicate: true };
      }
    }
    await this.queue.add('run', request, {
      jobId: request.runId,
      // A run that fails is reported in its thread; retrying the same loop blindly would not help.
      attempts: 1,
      removeOnComplete: { age: 24 * 3600, count: 1000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
    await this.redis.zadd(redisKeys.runs, Date.now(), request.runId);
    return { runId: request.runId, duplicate: false };
  }

  async counts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
