import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../../core/config.ts';
import {
  FanoutEventSink,
  FileEventLog,
  type EventSink,
  type EventTarget,
} from '../../core/events/event-log.ts';
import type { Logger } from '../../core/logger.ts';
import { watchControl } from '../../core/queue/run-control.ts';
import { expireRunEvents, RedisEventTarget } from '../../core/queue/run-event-stream.ts';
import { runPaths, type RunPaths } from '../../core/run-paths.ts';
import type { ModelCard } from '../../core/schemas/model-card.ts';
import { RunRequestSchema, type RunRequest } from '../../core/schemas/run-request.ts';
import type { PublishInput } from '../../core/registry.ts';
import type { ArtifactStore } from '../../core/store/artifact-store.ts';
import { publishToStore } from '../../core/store/store-registry.ts';
import type { SandboxDriver, SandboxLimits } from '../../sandbox/driver.ts';
import type { Brain } from '../brains/brain.ts';
import { kindOfWork } from '../kinds/work-kinds.ts';
import { RunFolderSync } from './run-folder-sync.ts';
import { WorkerMetrics } from './worker-metrics.ts';

export interface RunWorkerOptions {
  config: Config;
  logger: Logger;
  redis: Redis;
  driver: SandboxDriver;
  limits: SandboxLimits;
  store: ArtifactStore;
  /** The brain for a run, given the run's own event sink and folders. */
  brainFor: (request: RunRequest, events: EventSink, paths: RunPaths) => Brain;
  concurrency?: number;
  /** Called after a run ends; failures are logged, not fatal. */
  afterRun?: (request: RunRequest, result: RunJobResult) => Promise<void>;
  /**
   * The store is remote (S3): materialise each run from it into this worker's scratch folder,
   * checkpoint the run back to it, and publish models to the registry in it.
   */
  remoteStore?: boolean;
  /** Makes a published model reachable and returns its URL (see LoopDeps.deploy). */
  deploy?: (card: ModelCard, request: RunRequest) => Promise<{ url: string } | null>;
}

export interface RunJobResult {
  runId: string;
  status: 'succeeded' | 'failed' | 'cancelled' | 'needs_input';
  model: { name: string; version: number } | null;
}

export interface RunWorkerHandle {
  worker: Worker;
  metrics: WorkerMetrics;
  /** Stops taking runs; waits up to `graceMs` for running ones, then leaves them to another worker. */
  close(graceMs: number): Promise<void>;
}

/**
 * `ouro worker`: takes run requests from the queue and runs each with its kind of work. Every run
 * resumes from its journal, so a run whose worker died (its job stalled) continues here
 * without repeating finished experiments.
 */
export function startRunWorker(opts: RunWorkerOptions): RunWorkerHandle {
  const { config, logger, redis } = opts;
  const metrics = new WorkerMetrics();
  const running = new Set<AbortController>();

  const processor = async (job: Job, _token?: string, jobSignal?: AbortSignal): Promise<RunJobResult> => {
    const request = RunRequestSchema.parse(job.data);
    const paths = runPaths(config.OURO_HOME, request.runId);
    const sync =
      opts.remoteStore === true ? new RunFolderSync(opts.store, paths, request.runId, logger) : null;
    // Before any event is appended to the run's file log: a takeover continues the archived one.
    await sync?.restore();
    const file = new FileEventLog(paths.events, request.runId);
    const targets: EventTarget[] = [
      file,
      new RedisEventTarget(redis, request.runId),
      { append: async (e) => metrics.observe(e) },
    ];
    const events = new FanoutEventSink(request.runId, targets);
    const stop = new AbortController();
    running.add(stop);
    jobSignal?.addEventListener('abort', () => stop.abort(), { once: true });
    const steering: string[] = [];
    const watching = new AbortController();
    const control = watchControl(
      redis,
      request.runId,
      (m) => (m.type === 'stop' ? stop.abort() : steering.push(m.text)),
      watching.signal,
    ).catch((err: unknown) => logger.warn({ err, runId: request.runId }, 'control channel failed'));
    metrics.active += 1;
    logger.info({ runId: request.runId, attempt: job.attemptsStarted }, 'run started');
    try {
      // Every kind of work the same way (docs/architecture.md, "Kinds of work").
      const outcome = await kindOfWork(request).run(request, {
        config,
        driver: opts.driver,
        limits: opts.limits,
        store: opts.store,
        events,
        logger,
        signal: stop.signal,
        paths,
        brain: () => opts.brainFor(request, events, paths),
        steering: () => steering,
        ...(sync !== null
          ? {
              checkpoint: async () => void (await sync.checkpoint()),
              publish: (name: string, input: PublishInput) =>
                publishToStore(opts.store, config.OURO_HOME, name, input),
            }
          : {}),
        ...(opts.deploy ? { deploy: (card: ModelCard) => opts.deploy!(card, request) } : {}),
      });
      const result: RunJobResult = {
        runId: request.runId,
        status: outcome.status,
        model: outcome.card ? { name: outcome.card.name, version: outcome.card.version } : null,
      };
      // The last events (finished, failed) were appended after the last journal save.
      await sync?.finish();
      metrics.runEnded(outcome.status);
      if (opts.afterRun)
        await opts
          .afterRun(request, result)
          .catch((err: unknown) => logger.error({ err, runId: request.runId }, 'after-run step failed'));
      // The file log is the archive; Redis keeps the stream a while longer for late subscribers.
      await expireRunEvents(redis, request.runId, config.OURO_EVENTS_TTL_S);
      return result;
    } finally {
      metrics.active -= 1;
      running.delete(stop);
      watching.abort();
      await control;
    }
  };

  const worker = new Worker(config.OURO_QUEUE_NAME, processor, {
    connection: { url: config.REDIS_URL! },
    concurrency: opts.concurrency ?? config.OURO_WORKER_CONCURRENCY,
    lockDuration: config.OURO_QUEUE_LOCK_MS,
    stalledInterval: Math.max(1000, Math.floor(config.OURO_QUEUE_LOCK_MS / 2)),
    // A run may outlive several dead workers before it is given up.
    maxStalledCount: 5,
  });
  worker.on('failed', (job, err) => logger.error({ runId: job?.id, err }, 'run job failed'));
  worker.on('error', (err) => logger.error({ err }, 'worker error'));

  return {
    worker,
    metrics,
    async close(graceMs: number) {
      const closing = worker.close();
      const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
      if ((await Promise.race([closing.then(() => 'closed' as const), timer])) === 'timeout') {
        logger.warn(
          { runs: running.size },
          'grace period over: stopping running experiments; another worker will resume them',
        );
        // Without a lock renewal the jobs stall and another worker resumes them from the journal.
        await worker.close(true);
      }
    },
  };
}
