import { Redis } from 'ioredis';

/**
 * A Redis client for ouro's own keys. BullMQ gets `{ url }` and opens its own connections;
 * `maxRetriesPerRequest: null` lets blocking reads wait through reconnects.
 */
export function createRedis(url: string, name: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, connectionName: `ouro-${name}`, lazyConnect: false });
}
