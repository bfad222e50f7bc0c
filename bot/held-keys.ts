import type { Redis } from 'ioredis';
import { redisKeys } from '../core/queue/redis-keys.ts';
import type { RunThread } from './run-thread-store.ts';

/** How long a key that could not be delivered waits to be asked for (the worker keeps it an hour). */
const HOLD_S = 3600;

const heldKey = (platform: string, model: string) => `ouro:bot:held-key:${platform}:${model}`;

export type KeyClaim = { kind: 'key'; key: string } | { kind: 'not_yours' } | { kind: 'gone' };

/**
 * A new model's key whose direct message failed (Slack: the DM could not be opened; Discord:
 * 50007, server DMs off). It stays in Redis for its owner to ask for once, privately, with
 * `/predict key <model>`; then it is deleted, as after a delivered DM.
 */
export class HeldKeys {
  constructor(private readonly redis: Redis) {}

  async hold(platform: RunThread['platform'], model: string, runId: string, user: string): Promise<void> {
    await this.redis
      .multi()
      .set(heldKey(platform, model), JSON.stringify({ runId, user }), 'EX', HOLD_S)
      .expire(redisKeys.freshKey(runId), HOLD_S)
      .exec();
  }

  /** The key, once, for the person who asked for the model; the key is forgotten as it is handed out. */
  async claim(platform: RunThread['platform'], model: string, user: string): Promise<KeyClaim> {
    const raw = await this.redis.get(heldKey(platform, model));
    if (raw === null) return { kind: 'gone' };
    const held = JSON.parse(raw) as { runId: string; user: string };
    if (held.user !== user) return { kind: 'not_yours' };
    const [[, key]] = (await this.redis
      .multi()
      .getdel(redisKeys.freshKey(held.runId))
      .del(heldKey(platform, model))
      .exec()) as [[unknown, string | null], unknown];
    return key === null ? { kind: 'gone' } : { kind: 'key', key };
  }
}

/** What `/predict key <model>` answers when there is no key to hand out. */
export function keyClaimRefusal(claim: Exclude<KeyClaim, { kind: 'key' }>, model: string): string {
  return claim.kind === 'not_yours'
    ? `Only the person who asked for \`${model}\` can collect its key.`
    : `No key is waiting for \`${model}\`: it was collected, or an hour has passed. \`ouro models key rotate ${model}\` (on the ouro host) makes a new one.`;
}
