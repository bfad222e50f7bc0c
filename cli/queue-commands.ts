import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Redis } from 'ioredis';
import { ANSI, PLAIN, renderEvent } from '../bot/terminal/render-terminal.ts';
import type { Config } from '../core/config.ts';
import { OuroError } from '../core/errors.ts';
import { readArchivedEvents } from '../core/events/archived-events.ts';
import type { Logger } from '../core/logger.ts';
import { createRedis } from '../core/queue/redis-connection.ts';
import { redisKeys } from '../core/queue/redis-keys.ts';
import { createKeyIfMissing, createStoreKeyIfMissing } from '../deploy/api-keys.ts';
import { sendControl } from '../core/queue/run-control.ts';
import { followRunEvents, readRunEvents } from '../core/queue/run-event-stream.ts';
import { RunQueue } from '../core/queue/run-queue.ts';
import type { RunEvent } from '../core/schemas/events.ts';
import { FsArtifactStore, type ArtifactStore } from '../core/store/artifact-store.ts';
import { createArtifactStore } from '../core/store/create-store.ts';
import { createSandboxDriver } from '../sandbox/create-driver.ts';
import type { SandboxDriver } from '../sandbox/driver.ts';
import { createBrain, defaultBrainKind } from '../worker/brains/create-brain.ts';
import { HeuristicBrain } from '../worker/brains/heuristic/heuristic-brain.ts';
import { startWorkerMetricsServer } from '../worker/queue/metrics-server.ts';
import { startRunWorker, type RunWorkerHandle } from '../worker/queue/run-worker.ts';
import { buildRequest, limitsFromConfig } from './run-command.ts';

/** The URL people use to reach the prediction API. */
export function publicBaseUrl(config: Config): string {
  if (config.OURO_PUBLIC_URL !== undefined) return config.OURO_PUBLIC_URL.replace(/\/$/, '');
  const host = config.OURO_HOST === '0.0.0.0' || config.OURO_HOST === '::' ? '127.0.0.1' : config.OURO_HOST;
  return `http://${host}:${config.OURO_PORT}`;
}

export function requireRedisUrl(config: Config): string {
  if (config.REDIS_URL === undefined) {
    throw new OuroError(
      'config_invalid',
      'REDIS_URL is not set. Point it at your Redis (e.g. redis://127.0.0.1:6379), or use `ouro up`, which starts a private redis-server.',
    );
  }
  return config.REDIS_URL;
}

/** Starts a worker in this process (used by `ouro worker` and `ouro up`); the store defaults to OURO_HOME. */
export function startWorker(
  config: Config,
  logger: Logger,
  redis: Redis,
  concurrency?: number,
  store: ArtifactStore = new FsArtifactStore(config.OURO_HOME),
  driver: SandboxDriver = createSandboxDriver(config),
): RunWorkerHandle {
  logger.info({ sandbox: driver.describe() }, 'worker ready');
  return startRunWorker({
    config,
    logger,
    redis,
    driver,
    limits: limitsFromConfig(config),
    store,
    remoteStore: store.kind !== 'fs',
    // A run asks for the LLM brain only if its submitter had one; this worker needs a provider too.
    brainFor: (request, events, paths) =>
      request.options.brain === 'llm' && defaultBrainKind(config) === 'llm'
        ? createBrain('llm', { config, events, paths })
        : new HeuristicBrain(),
    ...(concurrency !== undefined ? { concurrency } : {}),
    deploy: async (card, request) => {
      // The deploy service picks the new version up from the registry by itself; the worker
      // only makes sure the model has a key, and hands a new one to the bot, briefly.
      const key =
        store.kind === 'fs'
          ? await createKeyIfMissing(config.OURO_HOME, card.name)
          : await createStoreKeyIfMissing(store, card.name);
      if (key !== null) await redis.set(redisKeys.freshKey(request.runId), key, 'EX', 3600);
      return { url: `${publicBaseUrl(config)}/v1/models/${encodeURIComponent(card.name)}/predict` };
    },
  });
}

/** `ouro worker [--concurrency N]`: runs queued runs until SIGTERM/SIGINT. */
export async function workerCommand(args: string[], config: Config, logger: Logger): Promise<number> {
  const { values } = parseArgs({ args, options: { concurrency: { type: 'string' } } });
  const url = requireRedisUrl(config);
  const redis = createRedis(url, 'worker');
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  const store = await createArtifactStore(config);
  // Checked before any run is taken: with OURO_SANDBOX_ISOLATION=strict (the default, and fixed
  // in docker-compose.yml) this throws when bubblewrap cannot make its namespaces, and the
  // worker exits saying why. The line below is what an operator (and the compose test) reads
  // to see which isolation the runs get.
  const driver = createSandboxDriver(config);
  process.stderr.write(`ouro worker: sandbox: ${driver.describe()}\n`);
  const handle = startWorker({ ...config, REDIS_URL: url }, logger, redis, concurrency, store, driver);
  process.stderr.write(
    `ouro worker: taking runs from "${config.OURO_QUEUE_NAME}" on ${url.replace(/\/\/[^@]*@/, '//***@')} (concurrency ${concurrency ?? config.OURO_WORKER_CONCURRENCY})\n`,
  );
  let metricsServer: { close(): Promise<void> } | undefined;
  let queue: RunQueue | undefined;
  if (config.OURO_WORKER_METRICS_PORT > 0) {
    queue = new RunQueue(redis, url, config.OURO_QUEUE_NAME);
    const q = queue;
    metricsServer = await startWorkerMetricsServer(
      handle,
      () => q.counts(),
      config.OURO_WORKER_METRICS_PORT,
      config.OURO_METRICS_HOST,
    );
    process.stderr.write(
      `ouro worker: metrics on ${config.OURO_METRICS_HOST}:${config.OURO_WORKER_METRICS_PORT}/metrics\n`,
    );
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  process.stderr.write(
    `ouro worker: stopping (waiting up to ${config.OURO_SHUTDOWN_GRACE_S} s for running experiments)\n`,
  );
  await handle.close(config.OURO_SHUTDOWN_GRACE_S * 1000);
  await metricsServer?.close();
  await queue?.close();
  redis.disconnect();
  return 0;
}

function printer(json: boolean): (e: RunEvent) => void {
  const style = process.stdout.isTTY && !process.env.NO_COLOR ? ANSI : PLAIN;
  return (e) => {
    if (json) process.stdout.write(JSON.stringify(e) + '\n');
    else for (const line of renderEvent(e, style)) process.stdout.write(line + '\n');
  };
}

async function follow(redis: Redis, runId: string, json: boolean): Promise<number> {
  const print = printer(json);
  let last: RunEvent | undefined;
  for await (const { event } of followRunEvents(redis, runId)) {
    print(event);
    last = event;
  }
  return last?.type === 'finished' ? 0 : 1;
}

/** `ouro submit <file> "<goal>" [run options] [--follow] [--json] [--idempotency-key K]`. */
export async function submitCommand(args: string[], config: Config): Promise<number> {
  const url = requireRedisUrl(config);
  const { request } = await buildRequest(
    args,
    config,
    (runId, filename) => join('uploads', runId, filename),
    {
      follow: { type: 'boolean' },
      'idempotency-key': { type: 'string' },
    },
  );
  const { values } = parseArgs({
    args,
    allowPositionals: true,
    strict: false,
    options: {
      follow: { type: 'boolean' },
      json: { type: 'boolean' },
      'idempotency-key': { type: 'string' },
    },
  });
  const key = values['idempotency-key'];
  const redis = createRedis(url, 'submit');
  const queue = new RunQueue(redis, url, config.OURO_QUEUE_NAME);
  try {
    const { runId, duplicate } = await queue.enqueue({
      ...request,
      ...(typeof key === 'string' ? { idempotencyKey: key } : {}),
    });
    process.stderr.write(duplicate ? `already submitted as run ${runId}\n` : `queued run ${runId}\n`);
    if (values.follow === true) return await follow(redis, runId, values.json === true);
    process.stdout.write(runId + '\n');
    return 0;
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

/** `ouro stop <run-id>` and `ouro steer <run-id> "<text>"`. */
export async function controlCommand(
  kind: 'stop' | 'steer',
  args: string[],
  config: Config,
): Promise<number> {
  const [runId, ...text] = args;
  if (runId === undefined || (kind === 'steer' && text.length === 0)) {
    throw new OuroError(
      'config_invalid',
      kind === 'stop'
        ? 'Usage: ouro stop <run-id>'
        : 'Usage: ouro steer <run-id> "exclude column X | use metric mae | avoid linear | add 2m"',
    );
  }
  const redis = createRedis(requireRedisUrl(config), 'control');
  try {
    await sendControl(
      redis,
      runId,
      kind === 'stop' ? { type: 'stop', by: 'cli' } : { type: 'steer', text: text.join(' '), by: 'cli' },
    );
    process.stderr.write(kind === 'stop' ? `asked run ${runId} to stop\n` : `sent to run ${runId}\n`);
    return 0;
  } finally {
    redis.disconnect();
  }
}

/** `ouro events <run-id> [--follow] [--json]`: replays a run from Redis, or from its archive. */
export async function eventsCommand(args: string[], config: Config): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { follow: { type: 'boolean' }, json: { type: 'boolean' } },
  });
  const runId = positionals[0];
  if (runId === undefined)
    throw new OuroError('config_invalid', 'Usage: ouro events <run-id> [--follow] [--json]');
  if (config.REDIS_URL !== undefined) {
    const redis = createRedis(config.REDIS_URL, 'events');
    try {
      if (values.follow === true) return await follow(redis, runId, values.json === true);
      const live = await readRunEvents(redis, runId);
      if (live.length > 0) {
        live.forEach(({ event }) => printer(values.json === true)(event));
        return 0;
      }
    } finally {
      redis.disconnect();
    }
  }
  const archived = await readArchivedEvents(config.OURO_HOME, runId, await createArtifactStore(config));
  if (archived.length === 0) throw new OuroError('run_not_found', `No events for run "${runId}".`);
  archived.forEach(printer(values.json === true));
  return 0;
}
