/**
 * `npm run bench:queue`: enqueue-to-start latency and per-run overhead of the queue, against
 * the same runs executed in-process (the baseline, measured in the same run).
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { limitsFromConfig } from '../cli/run-command.ts';
import { startWorker } from '../cli/queue-commands.ts';
import { loadConfig } from '../core/config.ts';
import { FileEventLog } from '../core/events/event-log.ts';
import { newRunId } from '../core/ids.ts';
import { createLogger } from '../core/logger.ts';
import { startEmbeddedRedis } from '../core/queue/embedded-redis.ts';
import { createRedis } from '../core/queue/redis-connection.ts';
import { followRunEvents } from '../core/queue/run-event-stream.ts';
import { RunQueue } from '../core/queue/run-queue.ts';
import { runPaths } from '../core/run-paths.ts';
import { RunRequestSchema } from '../core/schemas/run-request.ts';
import { FsArtifactStore } from '../core/store/artifact-store.ts';
import { createSandboxDriver } from '../sandbox/create-driver.ts';
import { HeuristicBrain } from '../worker/brains/heuristic/heuristic-brain.ts';
import { runLoop } from '../worker/loop/run-loop.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const N = Number(values.runs);
const home = await mkdtemp(join(tmpdir(), 'ouro-bench-queue-'));
await chmod(home, 0o755);
const csv =
  [
    'a,b,y',
    ...Array.from({ length: 200 }, (_, i) => `${i % 7},${(i * 13) % 11},${i % 3 === 0 ? 'yes' : 'no'}`),
  ].join('\n') + '\n';
const file = join(home, 'data.csv');
await writeFile(file, csv);
const redisServer = await startEmbeddedRedis(join(home, 'redis'), { persist: false });
const config = loadConfig({
  ...process.env,
  OURO_HOME: join(home, 'home'),
  REDIS_URL: redisServer.url,
  OURO_LOG_LEVEL: 'silent',
});
const store = new FsArtifactStore(config.OURO_HOME);
const logger = createLogger('silent');

async function request() {
  const runId = newRunId();
  const ref = join('uploads', runId, 'data.csv');
  await store.putFile(ref, file);
  return RunRequestSchema.parse({
    runId,
    dataset: { ref, filename: 'data.csv' },
    goal: 'predict y',
    options: { maxExperiments: 1 },
  });
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

try {
  // Baseline: the same runs, in this process, no queue.
  const direct: number[] = [];
  for (let i = 0; i < N; i++) {
    const req = await request();
    const t = performance.now();
    const events = new FileEventLog(runPaths(config.OURO_HOME, req.runId).events, req.runId);
    await runLoop(req, {
      config,
      driver: createSandboxDriver(config),
      brain: new HeuristicBrain(),
      events,
      logger,
      limits: limitsFromConfig(config),
      store,
    });
    direct.push(performance.now() - t);
  }

  const redis = createRedis(redisServer.url, 'bench');
  const queue = new RunQueue(redis, redisServer.url, config.OURO_QUEUE_NAME);
  const worker = startWorker(config, logger, redis, 1);
  const startLatency: number[] = [];
  const queued: number[] = [];
  for (let i = 0; i < N; i++) {
    const req = await request();
    const t = performance.now();
    let started = 0;
    const follow = (async () => {
      for await (const { event } of followRunEvents(redis, req.runId, { blockMs: 50 }))
        if (event.type === 'accepted' && started === 0) started = performance.now();
    })();
    await queue.enqueue(req);
    await follow;
    startLatency.push(started - t);
    queued.push(performance.now() - t);
  }
  await worker.close(5000);
  await queue.close();
  redis.disconnect();

  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(
    `${N} runs of a 200-row table, one experiment each, on one worker, against the same runs executed in-process in the same benchmark.\n`,
  );
  console.log('| measure | value |');
  console.log('| --- | --- |');
  console.log(
    `| enqueue → accepted (p50 / max) | ${pct(startLatency, 50).toFixed(0)} ms / ${Math.max(...startLatency).toFixed(0)} ms |`,
  );
  console.log(`| run in-process (baseline, mean) | ${mean(direct).toFixed(0)} ms |`);
  console.log(`| run through the queue (mean) | ${mean(queued).toFixed(0)} ms |`);
  console.log(
    `| per-run overhead of the queue | ${(mean(queued) - mean(direct)).toFixed(0)} ms (${((mean(queued) / mean(direct) - 1) * 100).toFixed(1)} %) |`,
  );
} finally {
  await redisServer.stop();
  await rm(home, { recursive: true, force: true });
}
