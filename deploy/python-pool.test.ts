/**
 * The shared Python pool with real sandboxed processes and real models: several models of one
 * owner in one process, owners kept apart, the memory budget evicting the least recently used
 * model (which then loads again on demand, answering the same), idle processes stopping.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { createSandboxDriver } from '../sandbox/create-driver.ts';
import type { PooledModel } from './predictors/pooled-model.ts';
import { PythonPool } from './predictors/python-pool.ts';
import { servingLimits } from './server.ts';
import {
  EXAMPLES,
  harnessPredict,
  holdoutRecords,
  publishFixtureModel,
  tempHome,
  type Fixture,
} from './test-fixtures.ts';
import { compileInputs, prepareBatch, type PreparedBatch } from './validate-request.ts';
import { readSignature } from './signature.ts';

const config = loadConfig({ ...(process.env.OURO_PYTHON ? { OURO_PYTHON: process.env.OURO_PYTHON } : {}) });
const driver = createSandboxDriver(config);
const limits = servingLimits(config);
const logger = createLogger('silent');

interface Served {
  fixture: Fixture;
  batch: PreparedBatch;
  expected: Awaited<ReturnType<typeof harnessPredict>>;
}
let home: string;
const served: Record<string, Served> = {};

before(async () => {
  home = await tempHome();
  for (const [name, family] of [
    ['lin', 'linear'],
    ['prior', 'prior'],
  ] as const) {
    const fixture = await publishFixtureModel({
      home,
      name,
      csv: `${EXAMPLES}/penguins.csv`,
      target: 'species',
      task: 'multiclass',
      metric: 'log_loss',
      family,
    });
    const records = holdoutRecords(fixture.holdoutFeatures).slice(0, 20);
    const features = (await readSignature(fixture.modelDir)).inputs.map((i) => ({
      name: i.name,
      meant: i.meant,
      conversion: i.conversion,
      categories: i.categories,
    }));
    served[name] = {
      fixture,
      batch: prepareBatch(compileInputs(features), records, 1000),
      expected: await harnessPredict(fixture.modelDir, fixture.holdoutFeatures),
    };
  }
});

function pool(over: Partial<ConstructorParameters<typeof PythonPool>[0]> = {}): PythonPool {
  return new PythonPool({
    driver,
    home,
    limits,
    logger,
    workersPerModel: 1,
    memoryMb: 4096,
    idleMs: 600_000,
    ...over,
  });
}

function handle(p: PythonPool, name: string, owner = 'operator'): PooledModel {
  return p.model({ owner, name, version: 1, modelDir: served[name]!.fixture.modelDir });
}

async function assertAnswers(m: PooledModel, name: string): Promise<void> {
  const got = await m.predict(served[name]!.batch);
  const want = served[name]!.expected;
  assert.deepEqual(got.predictions, want.predictions.slice(0, 20));
  assert.deepEqual(got.probabilities, want.probabilities!.slice(0, 20));
}

test('one process serves several models of one owner; another owner gets its own', async () => {
  const p = pool();
  after(() => p.close());
  const lin = handle(p, 'lin');
  const prior = handle(p, 'prior');
  assert.equal(p.stats().processes, 0, 'nothing starts before the first request');
  await assertAnswers(lin, 'lin');
  await assertAnswers(prior, 'prior');
  assert.deepEqual({ processes: p.stats().processes, loaded: p.stats().loaded }, { processes: 1, loaded: 2 });
  await assertAnswers(handle(p, 'lin', 'slack:T2'), 'lin');
  assert.deepEqual({ processes: p.stats().processes, loaded: p.stats().loaded }, { processes: 2, loaded: 3 });
  assert.ok(p.stats().rssMb > 50, `the processes report their memory (${p.stats().rssMb} MB)`);
});

test('over the memory budget the least recently used model is unloaded, and loads again when asked', async () => {
  const p = pool({ memoryMb: 1 });
  after(() => p.close());
  const lin = handle(p, 'lin');
  const prior = handle(p, 'prior');
  await assertAnswers(lin, 'lin');
  await assertAnswers(prior, 'prior');
  await sleep(500); // the unload is sent after the reply
  assert.deepEqual(
    { processes: p.stats().processes, loaded: p.stats().loaded },
    { processes: 1, loaded: 1 },
    'lin was evicted, prior (the latest) kept',
  );
  await assertAnswers(lin, 'lin');
  await sleep(500);
  assert.equal(p.stats().loaded, 1);
  assert.deepEqual({ loads: p.stats().loads, evictions: p.stats().evictions }, { loads: 3, evictions: 2 });
});

test('an idle process stops, and the next request starts one again', async () => {
  const p = pool({ idleMs: 300 });
  after(() => p.close());
  const lin = handle(p, 'lin');
  await assertAnswers(lin, 'lin');
  assert.equal(p.stats().processes, 1);
  for (let i = 0; i < 40 && p.stats().processes > 0; i++) await sleep(100);
  assert.equal(p.stats().processes, 0);
  await assertAnswers(lin, 'lin');
});

test('a released version is unloaded; its process, left without models, stops', async () => {
  const p = pool();
  after(() => p.close());
  const lin = handle(p, 'lin');
  await assertAnswers(lin, 'lin');
  await lin.close();
  assert.deepEqual({ ...p.stats(), loads: 0 }, { processes: 0, rssMb: 0, loaded: 0, loads: 0, evictions: 0 });
});
