/**
 * Hot swap under load, through a real port: 8 clients predict without pause while version 2 is
 * published; not one request may fail, and the answers must switch to version 2 for good.
 */
import assert from 'node:assert/strict';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { publishModel, readCard, setCurrentVersion, versionDir } from '../core/registry.ts';
import { createKeyIfMissing } from './api-keys.ts';
import { startServer } from './server.ts';
import { EXAMPLES, holdoutRecords, publishFixtureModel, tempHome, type Fixture } from './test-fixtures.ts';

let home: string;
let staging: Fixture;
let key: string;
let rows: Record<string, string | null>[];
let server: Awaited<ReturnType<typeof startServer>>;

before(async () => {
  home = await tempHome();
  const v1 = await publishFixtureModel({
    home,
    name: 'penguins',
    csv: `${EXAMPLES}/penguins.csv`,
    target: 'species',
    task: 'multiclass',
    metric: 'log_loss',
    family: 'linear',
  });
  // Version 2 is trained elsewhere first, so publishing it during the load is only a copy.
  const stagingHome = await tempHome();
  staging = await publishFixtureModel({
    home: stagingHome,
    name: 'penguins',
    csv: `${EXAMPLES}/penguins.csv`,
    target: 'species',
    task: 'multiclass',
    metric: 'log_loss',
    family: 'forest',
  });
  await cp(join(stagingHome, 'runs', staging.runId), join(home, 'runs', staging.runId), { recursive: true });
  key = (await createKeyIfMissing(home, 'penguins'))!;
  rows = holdoutRecords(v1.holdoutFeatures).slice(0, 3);
  // Eight clients with one key send far more than the default 600 requests a minute: no rate limit here.
  const python = process.env.OURO_PYTHON ? { OURO_PYTHON: process.env.OURO_PYTHON } : {};
  server = await startServer({
    config: loadConfig({ OURO_HOME: home, OURO_SERVE_WORKERS: '1', OURO_SERVE_RATE_LIMIT: '0', ...python }),
    logger: createLogger('silent'),
    port: 0,
    hostname: '127.0.0.1',
    pollMs: 250,
    graceMs: 500,
  });
});
after(() => server?.close());

interface Outcome {
  at: number;
  status: number;
  version: number | null;
  error?: string;
}

async function client(stop: () => boolean, log: Outcome[]): Promise<void> {
  while (!stop()) {
    try {
      const res = await fetch(`${server.url}/v1/models/penguins/predict`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(rows),
      });
      const body = (await res.json()) as { version?: number; error?: string; predictions?: string[] };
      log.push({
        at: Date.now(),
        status: res.status,
        version: body.version ?? null,
        ...(body.error ? { error: body.error } : {}),
      });
    } catch (err) {
      log.push({ at: Date.now(), status: 0, version: null, error: (err as Error).message });
    }
  }
}

test('publishing version 2 under 8 concurrent clients: zero failures, answers switch to v2', async () => {
  const log: Outcome[] = [];
  let firstV2: number | null = null;
  const started = Date.now();
  const stop = () => {
    if (firstV2 === null) firstV2 = log.find((o) => o.version === 2)?.at ?? null;
    // ~1 s on v1, the swap, then 3 s more on v2 (at most 60 s in all).
    return (firstV2 !== null && Date.now() - firstV2 > 3000) || Date.now() - started > 60_000;
  };
  const clients = Array.from({ length: 8 }, () => client(stop, log));
  await sleep(1000);
  const card = await readCard(staging.home, 'penguins', 1);
  const published = await publishModel(home, 'penguins', {
    modelDir: join(versionDir(staging.home, 'penguins', 1), 'model'),
    scriptPath: join(versionDir(staging.home, 'penguins', 1), 'train.py'),
    card: { ...card, runId: staging.runId },
  });
  assert.equal(published.version, 2);
  const publishedAt = Date.now();
  await Promise.all(clients);

  const failed = log.filter((o) => o.status !== 200);
  assert.deepEqual(failed.slice(0, 5), [], `${failed.length} of ${log.length} requests failed`);
  assert.ok(
    log.some((o) => o.version === 1 && o.at <= publishedAt),
    'served v1 before the publish',
  );
  assert.ok(firstV2 !== null, 'switched to v2');
  const lastSecond = log.filter((o) => o.at > Date.now() - 1000);
  assert.ok(lastSecond.length > 0 && lastSecond.every((o) => o.version === 2), 'only v2 in the last second');
  const v1After = log.filter((o) => o.version === 1 && o.at > firstV2! + 1000);
  assert.deepEqual(v1After, [], 'no v1 answers a second after the swap');
  assert.ok(log.length > 100, `only ${log.length} requests`);
});

test('a rollback swaps back to version 1', async () => {
  await setCurrentVersion(home, 'penguins', 1);
  const deadline = Date.now() + 30_000;
  let version: number | undefined;
  while (Date.now() < deadline) {
    const res = await fetch(`${server.url}/v1/models/penguins/predict`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify(rows),
    });
    version = ((await res.json()) as { version: number }).version;
    if (version === 1) break;
    await sleep(100);
  }
  assert.equal(version, 1);
});
