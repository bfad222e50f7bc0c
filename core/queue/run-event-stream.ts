import type { Redis } from 'ioredis';
import { RunEventSchema, type RunEvent } from '../schemas/events.ts';
import type { EventTarget } from '../events/event-log.ts';
import { redisKeys } from './redis-keys.ts';

/** A run's events on a Redis Stream: ordered, replayable from any id, bounded in length. */
export class RedisEventTarget implements EventTarget {
  constructor(
    private readonly redis: Redis,
    private readonly runId: string,
  ) {}

  async append(event: RunEvent): Promise<void> {
    await this.redis.xadd(
      redisKeys.events(this.runId),
      'MAXLEN',
      '~',
      '20000',
      '*',
      'e',
      JSON.stringify(event),
    );
  }
}

export interface StreamedEvent {
  id: string;
  event: RunEvent;
}

type XEntries = [id: string, fields: string[]][];

function decode(entries: XEntries): StreamedEvent[] {
  const out: StreamedEvent[] = [];
  for (const [id, fields] of entries) {
    const i = fields.indexOf('e');
    const raw = i >= 0 ? fields[i + 1] : undefined;
    if (raw === undefined) continue;
    out.push({ id, event: RunEventSchema.parse(JSON.parse(raw)) });
  }
  return out;
}

/** Every event after `afterId` ('0' for the whole run) that is in Redis now. */
export async function readRunEvents(redis: Redis, runId: string, afterId = '0'): Promise<StreamedEvent[]> {
  const start = afterId === '0' ? '-' : `(${afterId}`;
  return decode((await redis.xrange(redisKeys.events(runId), start, '+')) as XEntries);
}

/** A run's last event: it finished, failed, ended asking a question (the answer starts a new run), published a synthetic dataset or an analysis report. */
export const isTerminal = (e: RunEvent) =>
  e.type === 'finished' ||
  e.type === 'failed' ||
  e.type === 'question' ||
  e.type === 'dataset.published' ||
  e.type === 'report.published';

/**
 * Follows a run from `afterId`: replays what is there, then blocks for new events, and ends
 * after the terminal event (`finished` or `failed`) or when `signal` aborts.
 */
export async function* followRunEvents(
  redis: Redis,
  runId: string,
  opts: { afterId?: string; signal?: AbortSignal; blockMs?: number } = {},
): AsyncGenerator<StreamedEvent> {
  // Blocking reads need a connection of their own.
  const reader = redis.duplicate();
  let last = opts.afterId ?? '0';
  try {
    while (!opts.signal?.aborted) {
      const res = (await reader.xread(
        'COUNT',
        500,
        'BLOCK',
        opts.blockMs ?? 1000,
        'STREAMS',
        redisKeys.events(runId),
        last,
      )) as [string, XEntries][] | null;
      if (res === null) continue;
      for (const item of decode(res[0]![1])) {
        last = item.id;
        yield item;
        if (isTerminal(item.event)) return;
      }
    }
  } finally {
    reader.disconnect();
  }
}

/** After the run is archived to the store, its stream only needs to live a little longer. */
export async function expireRunEvents(redis: Redis, runId: string, ttlSeconds: number): Promise<void> {
  await redis.expire(redisKeys.events(runId), ttlSeconds);
}
