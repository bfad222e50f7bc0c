import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../core/logger.ts';

/**
 * Bolt's logger interface over ours. The SDK's debug lines are dropped: they carry request
 * bodies, and a body may hold a model key on its way to the one person who may see it.
 */
export function boltLogger(logger: Logger): BoltLogger {
  const join = (msg: unknown[]) =>
    msg
      .map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m)))
      .join(' ');
  return {
    debug: () => undefined,
    info: (...m: unknown[]) => logger.info(join(m)),
    warn: (...m: unknown[]) => logger.warn(join(m)),
    error: (...m: unknown[]) => logger.error(join(m)),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: () => undefined,
  };
}
