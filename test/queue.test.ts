import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { loadConfig, type Config } from '../core/config.ts';
import { newRunId } from '../core/ids.ts';
import { createLogger } from '../core/logger.ts';
import type { EmbeddedRedis } from '../core/queue/embedded-redis.ts';
import { createRedis } from '../core/queue/redis-connection.ts';
import { redisKeys } from '../core/queue/redis-keys.ts';
import { sendControl } from '../core/queue/run-control.ts';
import { followRunEvents, readRunEvents } from '../core/queue/run-event-stream.ts';
import { RunQueue } from '../core/queue/run-queue.ts';
import { runPaths } from '../core/run-paths.ts';
import type { RunEvent } from '../core/schemas/events.ts';
import { JournalSchema } from '../core/schemas/journal.ts';
import { RunRequestSchema, type RunRequest } from '../core/schemas/run-request.ts';
import { FsArtifactStore } from '../core/store/artifact-store.ts';
import { readJson } from '../core/store/json-file.ts';
import { startWorker } from '../cli/queue-commands.ts';
import { startWorkerMetricsServer } from '../worker/queue/metrics-server.ts';
import { binaryTable, writeText } from './support/fixtures.ts';
import { REPO_ROOT } from './support/cli.ts';
import { startTestRedis } from './support/redis.ts';
import { makeTempDir } from './support/temp-dir.ts';

describe('runs on a real queue', { concurrency: false }, () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let server: EmbeddedRedis;
  let redis: Redis;
  let config: Config;
  let queue: RunQueue;
  let data: string;

  before(async () => {
    dir = await makeTempDir('queue');
    server = await startTestRedis(dir.path);
    config = loadConfig({
      ...process.env,
      OURO_HOME: join(dir.path, 'home'),
      REDIS_URL: server.url,
      OURO_QUEUE_LOCK_MS: '4000',
      OURO_EVENTS_TTL_S: '2',
      OURO_LOG_LEVEL: 'silent',
    });
    redis = createRedis(server.url, 'test');
    queue = new RunQueue(redis, server.url, config.OURO_QUEUE_NAME);
    data = await writeText(join(dir.path, 'data.csv'), binaryTable({ rows: 240 }));
  });
  after(async () => {
    await queue.close();
    redis.disconnect();
    await server.stop();
    await dir.cleanup();
  });

  async function request(
    options: Record<string, unknown> = {},
    idempotencyKey?: string,
  ): Promise<RunRequest> {
    const runId = newRunId();
    const ref = join('uploads', runId, 'data.csv');
    await new FsArtifactStore(config.OURO_HOME).putFile(ref, data);
    return RunRequestSchema.parse({
      runId,
      dataset: { ref, filename: 'data.csv' },
      goal: 'predict churn',
      options: { maxExperiments: 2, budgetSeconds: 300, ...options },
      ...(idempotencyKey ? { idempotencyKey } : {}),
    });
  }

  async function collect(runId: string, onEvent?: (e: RunEvent) => void): Promise<RunEvent[]> {
    const out: RunEvent[] = [];
    for await (const { event } of followRunEvents(redis, runId)) {
      out.push(event);
      onEvent?.(event);
    }
    return out;
  }

  function spawnWorker(extraEnv: Record<string, string> = {}): ChildProcess {
    return spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'worker'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        OURO_HOME: config.OURO_HOME,
        REDIS_URL: server.url,
        OURO_QUEUE_LOCK_MS: '4000',
        OURO_EVENTS_TTL_S: '2',
        OURO_LOG_LEVEL: 'silent',
        ...extraEnv,
      },
      stdio: 'ignore',
    });
  }

  test('events stream in order from accepted to finished, and a late subscriber replays the whole run', async () => {
    const worker = startWorker(config, createLogger('silent'), redis);
    try {
      const req = await request();
      const live = collect(req.runId);
      await queue.enqueue(req);
      const events = await live;
      assert.equal(events[0]?.type, 'accepted');
      assert.equal(events.at(-1)?.type, 'finished');
      const order = ['accepted', 'profiled', 'planned', 'experiment.started', 'validated', 'finished'];
      const seen = order.map((t) => events.findIndex((e) => e.type === t));
      assert.deepEqual(
        [...seen].sort((a, b) => a - b),
        seen,
        `events out of order: ${events.map((e) => e.type).join(', ')}`,
      );
      const replay = await collect(req.runId);
      assert.deepEqual(replay, events);
      // The worker's /metrics counts the run and its experiments.
      const metrics = await startWorkerMetricsServer(worker, () => queue.counts(), 0, '127.0.0.1');
      try {
        const text = await (await fetch(`http://127.0.0.1:${metrics.port}/metrics`)).text();
        assert.match(text, /ouro_runs_finished_total\{status="succeeded"\} 1\n/);
        assert.match(text, /ouro_runs_active 0\n/);
        const experiments = events.filter(
          (e) => e.type === 'experiment.finished' || e.type === 'experiment.failed',
        ).length;
        assert.match(text, new RegExp(`ouro_experiment_duration_seconds_count ${experiments}\\n`));
      } finally {
        await metrics.close();
      }
    } finally {
      await worker.close(5000);
    }
  });

  test('the same idempotency key twice yields one run', async () => {
    const a = await queue.enqueue(await request({}, 'slack-event-123'));
    const b = await queue.enqueue(await request({}, 'slack-event-123'));
    assert.equal(b.runId, a.runId);
    assert.equal(a.duplicate, false);
    assert.equal(b.duplicate, true);
    const counts = await queue.counts();
    assert.equal(counts.waiting, 1, JSON.stringify(counts));
    const worker = startWorker(config, createLogger('silent'), redis);
    try {
      const events = await collect(a.runId);
      assert.equal(events.at(-1)?.type, 'finished');
    } finally {
      await worker.close(5000);
    }
  });

  test('stop during an experiment: the sandbox is gone within 5 s and the run ends cancelled', async () => {
    const worker = startWorker(config, createLogger('silent'), redis);
    try {
      const req = await request({ maxExperiments: 6 });
      let stoppedAt = 0;
      let stopSent = false;
      const live = collect(req.runId, (e) => {
        // Stop while the second experiment runs: the first (the baseline) is the best so far.
        if (e.type === 'experiment.started' && e.node === 'n2' && !stopSent) {
          stopSent = true;
          setTimeout(() => {
            stoppedAt = Date.now();
            void sendControl(redis, req.runId, { type: 'stop', by: 'test' });
          }, 800);
        }
      });
      await queue.enqueue(req);
      // Watch for sandboxed processes of this run: they must be gone soon after the stop.
      let goneAfter = -1;
      const poll = setInterval(() => {
        if (stoppedAt === 0 || goneAfter >= 0) return;
        const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
        // The sandbox wrappers carry the run's folder in their arguments.
        if (!ps.split('\n').some((l) => l.includes(join(req.runId, 'experiments', 'n2'))))
          goneAfter = Date.now() - stoppedAt;
      }, 100);
      const events = await live;
      clearInterval(poll);
      assert.ok(stopSent);
      assert.ok(goneAfter >= 0 && goneAfter < 5000, `sandbox still running ${goneAfter} ms after stop`);
      const types = events.map((e) => e.type);
      assert.ok(types.includes('cancelled'), types.join(', '));
      assert.equal(types.at(-1), 'finished', 'the best model so far is validated and offered');
      const journal = await readJson(runPaths(config.OURO_HOME, req.runId).journal, JournalSchema);
      assert.equal(journal.status, 'cancelled');
      assert.ok(journal.nodes.every((n) => n.id !== 'n2' || n.status !== 'running'));
    } finally {
      await worker.close(5000);
    }
  });

  test('SIGKILL a worker mid-experiment: a second worker completes the run without repeating experiments', async () => {
    const req = await request({ maxExperiments: 4 });
    const first = spawnWorker();
    let killedAfter: string[] = [];
    let killed = false;
    const before: RunEvent[] = [];
    const live = collect(req.runId, (e) => {
      before.push(e);
      if (!killed && e.type === 'experiment.started' && e.node === 'n3') {
        killed = true;
        killedAfter = before
          .filter((x) => x.type === 'experiment.finished')
          .map((x) => (x.type === 'experiment.finished' ? x.node : ''));
        first.kill('SIGKILL');
        second = spawnWorker();
      }
    });
    let second: ChildProcess | undefined;
    await queue.enqueue(req);
    try {
      const events = await live;
      assert.ok(killed, 'the first worker was never killed');
      assert.equal(events.at(-1)?.type, 'finished', events.map((e) => e.type).join(', '));
      const journal = await readJson(runPaths(config.OURO_HOME, req.runId).journal, JournalSchema);
      const ids = journal.nodes.map((n) => n.id);
      assert.equal(new Set(ids).size, ids.length, 'a node id appears twice');
      const startedAfterKill = events
        .slice(events.findIndex((e) => e.type === 'note' && e.message.startsWith('Resuming')))
        .filter((e) => e.type === 'experiment.started')
        .map((e) => (e.type === 'experiment.started' ? e.node : ''));
      for (const n of killedAfter)
        assert.ok(!startedAfterKill.includes(n), `${n} ran again after the takeover`);
      assert.equal(journal.status, 'succeeded');
    } finally {
      first.kill('SIGKILL');
      second?.kill('SIGTERM');
    }
  });

  test('20 runs on 2 workers with concurrency 2: all finish, none lost, event streams expire after archiving', async () => {
    const workers = [
      spawnWorker({ OURO_WORKER_CONCURRENCY: '2' }),
      spawnWorker({ OURO_WORKER_CONCURRENCY: '2' }),
    ];
    try {
      const reqs = await Promise.all(Array.from({ length: 20 }, () => request({ maxExperiments: 1 })));
      for (const r of reqs) await queue.enqueue(r);
      const results = await Promise.all(reqs.map((r) => collect(r.runId)));
      results.forEach((events, i) =>
        assert.equal(
          events.at(-1)?.type,
          'finished',
          `run ${reqs[i]!.runId}: ${events.map((e) => e.type).join(', ')}`,
        ),
      );
      // Each run's archive holds the same events the stream carried.
      const archived = await readJson(runPaths(config.OURO_HOME, reqs[0]!.runId).journal, JournalSchema);
      assert.equal(archived.status, 'succeeded');
      await new Promise((r) => setTimeout(r, 3000));
      const left = await Promise.all(reqs.map((r) => redis.exists(redisKeys.events(r.runId))));
      assert.deepEqual(
        left,
        reqs.map(() => 0),
        'event streams should expire after the run is archived',
      );
      assert.equal((await readRunEvents(redis, reqs[0]!.runId)).length, 0);
      const info = await redis.info('memory');
      const used = Number(/used_memory:(\d+)/.exec(info)?.[1]);
      assert.ok(used < 50 * 1024 * 1024, `redis uses ${used} bytes`);
    } finally {
      for (const w of workers) w.kill('SIGTERM');
    }
  });
});
