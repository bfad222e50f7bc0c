import { join } from 'node:path';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../core/queue/embedded-redis.ts';

/** A real redis-server for the test, on a free loopback port, with no persistence. */
export function startTestRedis(dir: string): Promise<EmbeddedRedis> {
  return startEmbeddedRedis(join(dir, 'redis'), { persist: false });
}
