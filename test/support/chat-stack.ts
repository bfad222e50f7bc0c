/**
 * What the Slack and Discord end-to-end tests both stand on: a temp OURO_HOME, a real
 * redis-server, the prediction server on a free port, an in-process worker running real
 * sandboxed experiments, and the chat bots pointed at a platform fake. The fake itself is the
 * caller's (its URL goes into `platformEnv`).
 */
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { startChatBots, type ChatBots } from '../../cli/bot-command.ts';
import { startWorker } from '../../cli/queue-commands.ts';
import { loadConfig, type Config } from '../../core/config.ts';
import { createLogger } from '../../core/logger.ts';
import type { EmbeddedRedis } from '../../core/queue/embedded-redis.ts';
import { createRedis } from '../../core/queue/redis-connection.ts';
import { startServer, type RunningServer } from '../../deploy/server.ts';
import type { RunWorkerHandle } from '../../worker/queue/run-worker.ts';
import { startTestRedis } from './redis.ts';
import { makeTempDir } from './temp-dir.ts';

export const INTERNAL_TOKEN = 'test-internal-token-0123456789abcdef';
export const logger = createLogger(process.env.OURO_TEST_LOG === '1' ? 'debug' : 'silent');

export type BotOptions = NonNullable<Parameters<typeof startChatBots>[3]>;

export interface ChatStack {
  redis: Redis;
  server: RunningServer;
  config: Config;
  worker: RunWorkerHandle;
  /** Starts the configured bots (again, after a restart) against the stack. */
  startBots: () => Promise<ChatBots>;
  /** Stops the worker, Redis, the server and removes the folder (bots are the caller's to close first). */
  close: () => Promise<void>;
}

/** `worker: false`: no worker takes the queued runs (tests that drive a run's events by hand). */
export async function startChatStack(
  name: string,
  platformEnv: Record<string, string>,
  bot: Omit<BotOptions, 'apiUrl'>,
  opts: { worker?: boolean } = {},
): Promise<ChatStack> {
  const dir = await makeTempDir(name);
  let redisServer: EmbeddedRedis | undefined;
  let server: RunningServer | undefined;
  let redis: Redis | undefined;
  let worker: RunWorkerHandle | undefined;
  let idle: RunWorkerHandle | undefined;
  const close = async () => {
    await worker?.close(5000);
    redis?.disconnect();
    await server?.close();
    await redisServer?.stop();
    await dir.cleanup();
  };
  try {
    redisServer = await startTestRedis(dir.path);
    const home = join(dir.path, 'home');
    // The server's Python path (a model ONNX does not match) needs the same interpreter as the worker.
    server = await startServer({
      config: loadConfig({
        OURO_HOME: home,
        OURO_INTERNAL_TOKEN: INTERNAL_TOKEN,
        OURO_SERVE_WORKERS: '1',
        ...(process.env.OURO_PYTHON ? { OURO_PYTHON: process.env.OURO_PYTHON } : {}),
      }),
      logger,
      port: 0,
      hostname: '127.0.0.1',
      pollMs: 300,
    });
    const config = loadConfig({
      OURO_HOME: home,
      REDIS_URL: redisServer.url,
      OURO_PUBLIC_URL: server.url,
      OURO_INTERNAL_TOKEN: INTERNAL_TOKEN,
      OURO_MAX_UPLOAD_MB: '1',
      OURO_EVENTS_TTL_S: '600',
      OURO_LOG_LEVEL: 'silent',
      // A worktree whose .venv is a symlink names the real interpreter here (the sandbox cannot follow the link).
      ...(process.env.OURO_PYTHON ? { OURO_PYTHON: process.env.OURO_PYTHON } : {}),
      ...platformEnv,
    });
    redis = createRedis(redisServer.url, 'test');
    if (opts.worker !== false) worker = startWorker(config, logger, redis);
    const apiUrl = server.url;
    const r = redis;
    return {
      redis: r,
      server,
      config,
      worker: worker ?? (idle ??= { close: async () => undefined } as unknown as RunWorkerHandle),
      startBots: async () => (await startChatBots(config, logger, r, { apiUrl, ...bot }))!,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
