/**
 * The queue end to end with OURO_STORE=s3, as on three hosts: the test process plays the bot
 * (uploads the CSV to the bucket, enqueues), `ouro worker` and `ouro serve` are child processes
 * with scratch folders of their own. They share nothing but Redis and the bucket (a real moto
 * server on loopback).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { newRunId } from '../core/ids.ts';
import type { EmbeddedRedis } from '../core/queue/embedded-redis.ts';
import { createRedis } from '../core/queue/redis-connection.ts';
import { redisKeys } from '../core/queue/redis-keys.ts';
import { followRunEvents } from '../core/queue/run-event-stream.ts';
import { RunQueue } from '../core/queue/run-queue.ts';
import type { RunEvent } from '../core/schemas/events.ts';
import { JournalSchema } from '../core/schemas/journal.ts';
import { RunRequestSchema, type RunRequest } from '../core/schemas/run-request.ts';
import type { S3ArtifactStore } from '../core/store/s3-artifact-store.ts';
import { readStorePointer } from '../core/store/store-registry.ts';
import { parseEvents, REPO_ROOT, runCli } from './support/cli.ts';
import { binaryTable, writeText } from './support/fixtures.ts';
import { startTestRedis } from './support/redis.ts';
import { startTestS3, type TestS3Server } from './support/s3-server.ts';
import { makeTempDir } from './support/temp-dir.ts';

const MODEL = 'churn-s3';

async function filesUnder(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(relative(root, p).split(sep).join('/'));
    }
  };
  await walk(root);
  return out;
}

describe('runs on a real queue with the artifact store on S3', { concurrency: false }, () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let redisServer: EmbeddedRedis;
  let s3: TestS3Server;
  let bucket: S3ArtifactStore;
  let redis: Redis;
  let queue: RunQueue;
  let data: string;
  const homes = { bot: '', worker: '', worker2: '', deploy: '' };
  const children: ChildProcess[] = [];
  const logs = new Map<ChildProcess, string>();

  before(async () => {
    dir = await makeTempDir('queue-s3');
    for (const k of Object.keys(homes) as (keyof typeof homes)[]) homes[k] = join(dir.path, `${k}-scratch`);
    [redisServer, s3] = await Promise.all([startTestRedis(dir.path), startTestS3()]);
    bucket = s3.store();
    redis = createRedis(redisServer.url, 'test');
    queue = new RunQueue(redis, redisServer.url, 'runs');
    data = await writeText(join(dir.path, 'data.csv'), binaryTable({ rows: 240 }));
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await queue.close();
    redis.disconnect();
    bucket.destroy();
    await Promise.all([redisServer.stop(), s3.stop()]);
    await dir.cleanup();
  });

  /** An `ouro` child with its own scratch OURO_HOME; nothing but Redis and the bucket in common. */
  function spawnOuro(args: string[], home: string, extraEnv: Record<string, string> = {}): ChildProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        ...s3.env,
        OURO_HOME: home,
        REDIS_URL: redisServer.url,
        OURO_QUEUE_LOCK_MS: '4000',
        OURO_LOG_LEVEL: 'warn',
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    logs.set(child, '');
    const keep = (c: Buffer) => logs.set(child, (logs.get(child)! + c.toString('utf8')).slice(-6000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    children.push(child);
    return child;
  }

  /** The bot's part: the upload goes to the bucket, the request to the queue. */
  async function submit(options: Record<string, unknown>): Promise<RunRequest> {
    const runId = newRunId();
    const ref = `uploads/${runId}/data.csv`;
    await bucket.putFile(ref, data);
    const req = RunRequestSchema.parse({
      runId,
      dataset: { ref, filename: 'data.csv' },
      goal: 'predict churn',
      options: { maxExperiments: 2, budgetSeconds: 300, name: MODEL, ...options },
    });
    await queue.enqueue(req);
    return req;
  }

  async function collect(runId: string, onEvent?: (e: RunEvent) => void): Promise<RunEvent[]> {
    const out: RunEvent[] = [];
    for await (const { event } of followRunEvents(redis, runId)) {
      out.push(event);
      onEvent?.(event);
    }
    return out;
  }

  async function deployUrl(child: ChildProcess): Promise<string> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const m = /Serving at (http:\/\/\S+)/.exec(logs.get(child) ?? '');
      if (m) return m[1]!;
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`ouro serve did not start:\n${logs.get(child)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Polls the deploy process until it answers with `version` (the hot swap happened). */
  async function predictUntil(
    url: string,
    key: string,
    version: number,
    deploy: ChildProcess,
  ): Promise<{ predictions: unknown[]; version: number }> {
    const deadline = Date.now() + 90_000;
    let last = '';
    for (;;) {
      const res = await fetch(`${url}/v1/models/${MODEL}/predict`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify([{ a: 0.5, b: -0.2, city: 'Paris' }]),
      }).catch((err: Error) => err);
      if (!(res instanceof Error)) {
        const body = (await res.json()) as { version?: number; predictions?: unknown[] };
        last = `${res.status} ${JSON.stringify(body)}`;
        if (res.status === 200 && body.version === version)
          return { predictions: body.predictions!, version };
      }
      if (Date.now() > deadline)
        throw new Error(
          `the deploy process never served v${version}; last answer: ${last}\n${logs.get(deploy)}`,
        );
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  test('bot, worker and deploy on separate scratch folders: the model reaches the bucket, is served, and v2 hot-swaps in', async () => {
    const worker = spawnOuro(['worker'], homes.worker, { OURO_EVENTS_TTL_S: '2' });
    const deploy = spawnOuro(['serve', '--port', '0', '--host', '127.0.0.1'], homes.deploy, {
      OURO_STORE_POLL_S: '1',
      OURO_SERVE_WORKERS: '1',
    });
    const url = await deployUrl(deploy);

    const first = await submit({});
    const events = await collect(first.runId);
    assert.equal(
      events.at(-1)?.type,
      'finished',
      `${events.map((e) => e.type).join(', ')}\n${logs.get(worker)}`,
    );
    assert.ok(
      events.some((e) => e.type === 'deployed'),
      'the worker announced the model',
    );

    // The bucket holds the run (journal, events, experiments), the vault apart, and the model.
    const journal = JournalSchema.parse(
      JSON.parse((await bucket.getBytes(`runs/${first.runId}/journal.json`))!.toString()),
    );
    assert.equal(journal.status, 'succeeded');
    assert.ok((await bucket.getBytes(`runs/${first.runId}/events.jsonl`))!.toString().includes('"finished"'));
    assert.ok(await bucket.exists(`runs/${first.runId}/${journal.nodes[0]!.dir}/train.py`));
    assert.ok(
      await bucket.exists(`vault/${first.runId}/labels.json`),
      'holdout labels are kept, under their own prefix',
    );
    assert.deepEqual(await bucket.list(`runs/${first.runId}/vault/`), [], 'no labels beside the run folder');
    assert.equal(await readStorePointer(bucket, MODEL), 1);
    assert.ok(await bucket.exists(`registry/${MODEL}/versions/1/model/signature.json`));

    const key = await redis.get(redisKeys.freshKey(first.runId));
    assert.ok(key !== null && key.startsWith('ouro_'), 'the new key is handed to the bot through Redis');
    const v1 = await predictUntil(url, key, 1, deploy);
    assert.equal(v1.predictions.length, 1);

    const second = await submit({ seed: 11 });
    const events2 = await collect(second.runId);
    assert.equal(events2.at(-1)?.type, 'finished', events2.map((e) => e.type).join(', '));
    assert.equal(await readStorePointer(bucket, MODEL), 2);
    assert.equal(await redis.get(redisKeys.freshKey(second.runId)), null, 'the model keeps its key');
    await predictUntil(url, key, 2, deploy);

    // From the bot's host (an empty scratch folder): the registry and the archive are in the bucket.
    const cliEnv = { ...s3.env, OURO_HOME: homes.bot, REDIS_URL: redisServer.url };
    const listed = await runCli(['models', 'list'], cliEnv).done;
    assert.match(listed.stdout, new RegExp(`${MODEL}  v2 of \\[1, 2\\]`), listed.stdout + listed.stderr);
    await new Promise((r) => setTimeout(r, 2500)); // the worker's OURO_EVENTS_TTL_S=2: the stream expires
    const archived = await runCli(['events', first.runId, '--json'], cliEnv).done;
    assert.equal(archived.code, 0, archived.stderr);
    assert.deepEqual(
      parseEvents(archived.stdout).map((e) => e.type),
      events.map((e) => e.type),
      'the archive in the bucket replays the run',
    );
    const rollback = await runCli(['models', 'rollback', MODEL], cliEnv).done;
    assert.equal(rollback.code, 0, rollback.stderr);
    await predictUntil(url, key, 1, deploy);

    worker.kill('SIGTERM');
    deploy.kill('SIGTERM');
    await Promise.all(
      [worker, deploy].map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))),
    );

    // Each process kept to its own scratch folder; the bot's holds nothing of the run or the registry.
    assert.deepEqual(await filesUnder(homes.bot), []);
    const workerFiles = await filesUnder(homes.worker);
    const deployFiles = await filesUnder(homes.deploy);
    assert.ok(deployFiles.includes(`registry/${MODEL}/versions/2/card.json`), deployFiles.join('\n'));
    assert.ok(
      deployFiles.includes(`registry/${MODEL}/versions/1/claim.json`),
      'the deploy cache came from the bucket',
    );
    assert.ok(
      !deployFiles.some((f) => f.endsWith('journal.json') || f.includes('/vault/')),
      'the deploy process holds no run state and no labels',
    );
    assert.ok(
      !workerFiles.some((f) => f.startsWith('registry/')),
      `the worker keeps no registry: ${workerFiles.join(', ')}`,
    );
    assert.ok(
      !workerFiles.some((f) => f.startsWith(`runs/${first.runId}/`)),
      'a finished run leaves the worker scratch',
    );
    const shared = workerFiles.filter((f) => deployFiles.includes(f));
    assert.deepEqual(shared, [], 'no file path is in both scratch folders');
  });

  test('SIGKILL a worker mid-run: a worker with another scratch folder takes over from the bucket without repeating experiments', async () => {
    const first = spawnOuro(['worker'], homes.worker);
    let second: ChildProcess | undefined;
    let killed = false;
    let finishedBefore: string[] = [];
    const seen: RunEvent[] = [];
    const req = await submit({ maxExperiments: 4, name: 'takeover-s3' });
    const events = await collect(req.runId, (e) => {
      seen.push(e);
      if (!killed && e.type === 'experiment.started' && e.node === 'n3') {
        killed = true;
        finishedBefore = seen.flatMap((x) => (x.type === 'experiment.finished' ? [x.node] : []));
        first.kill('SIGKILL');
        second = spawnOuro(['worker'], homes.worker2);
      }
    });
    assert.ok(killed, 'the first worker was never killed');
    assert.ok(second !== undefined);
    assert.equal(
      events.at(-1)?.type,
      'finished',
      `${events.map((e) => e.type).join(', ')}\n${logs.get(second)}`,
    );
    const resumedAt = events.findIndex((e) => e.type === 'note' && e.message.startsWith('Resuming'));
    assert.ok(resumedAt > 0, 'the second worker resumed from the checkpoint');
    const rerun = events
      .slice(resumedAt)
      .flatMap((e) => (e.type === 'experiment.started' ? [e.node] : []))
      .filter((n) => finishedBefore.includes(n));
    assert.deepEqual(rerun, [], 'finished experiments were not run again');
    const journal = JournalSchema.parse(
      JSON.parse((await bucket.getBytes(`runs/${req.runId}/journal.json`))!.toString()),
    );
    assert.equal(journal.status, 'succeeded');
    const ids = journal.nodes.map((n) => n.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(await readStorePointer(bucket, 'takeover-s3'), 1);
    second.kill('SIGTERM');
  });
});
