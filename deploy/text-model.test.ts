/**
 * A model that reads a free-text column through its TF-IDF step (the heuristic brain's own
 * script, ouro_harness.TextVectorizer) is published, served by a real sandboxed Python worker
 * and answers a request whose text it has never seen, as the harness's predict CLI does.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { FULL_GUARDS, writeScript } from '../worker/brains/heuristic/write-script.ts';
import { createKeyIfMissing } from './api-keys.ts';
import { createServing } from './server.ts';
import {
  harnessPredict,
  holdoutRecords,
  publishFixtureModel,
  tempHome,
  type Fixture,
} from './test-fixtures.ts';

const WORDS = ['the', 'parcel', 'came', 'on', 'time', 'box', 'was', 'with', 'a', 'note', 'and', 'it'];
let fixture: Fixture;
let key: string;
let serving: ReturnType<typeof createServing>;

before(async () => {
  const home = await tempHome();
  let a = 7;
  const rand = () => (a = (a * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const lines = ['x,review,label'];
  for (let i = 0; i < 300; i++) {
    const y = rand() < 0.5;
    const words = Array.from({ length: 6 }, () => WORDS[Math.floor(rand() * WORDS.length)]!);
    words.push(rand() < 0.85 ? (y ? 'broken' : 'perfect') : y ? 'perfect' : 'broken');
    lines.push(`${rand().toFixed(3)},${words.join(' ')},${y ? 'bad' : 'good'}`);
  }
  const csv = join(home, 'reviews.csv');
  await writeFile(csv, lines.join('\n') + '\n');
  const script = writeScript({
    nodeId: 'n1',
    operator: 'draft',
    hypothesis: 'linear on the words',
    task: 'binary',
    rows: 240,
    recipe: {
      family: 'linear',
      params: {},
      guards: [...FULL_GUARDS],
      dropColumns: [],
      folds: 3,
      members: [],
      textColumns: ['review'],
    },
  });
  fixture = await publishFixtureModel({
    home,
    name: 'reviews',
    csv,
    target: 'label',
    task: 'binary',
    metric: 'roc_auc',
    family: 'linear',
    script,
  });
  key = (await createKeyIfMissing(home, 'reviews'))!;
  const config = loadConfig({
    OURO_HOME: home,
    OURO_SERVE_WORKERS: '1',
    ...(process.env.OURO_PYTHON ? { OURO_PYTHON: process.env.OURO_PYTHON } : {}),
  });
  serving = createServing({ config, logger: createLogger('silent'), pollMs: 200 });
  await serving.host.start();
});
after(() => serving?.host.stop());

test('a text model is served by Python and predicts as the harness does, unseen words included', async () => {
  const post = (body: unknown) =>
    serving.app.request('/v1/models/reviews/predict', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  assert.equal(serving.host.loaded()[0]?.path, 'python', 'no ONNX converter knows the TF-IDF step');
  const records = holdoutRecords(fixture.holdoutFeatures);
  const expected = await harnessPredict(fixture.modelDir, fixture.holdoutFeatures);
  const res = await post(records);
  assert.equal(res.status, 200, await res.clone().text());
  assert.deepEqual(((await res.json()) as { predictions: string[] }).predictions, expected.predictions);
  // The words decide: "broken" leans bad, "perfect" good; words never seen in training count for nothing.
  const mine = await post({
    records: [
      { x: 0.5, review: 'zyzzyva arrived broken' },
      { x: 0.5, review: 'perfect' },
      { x: 0.5, review: null },
    ],
  });
  assert.equal(mine.status, 200, await mine.clone().text());
  assert.deepEqual(((await mine.json()) as { predictions: string[] }).predictions.slice(0, 2), [
    'bad',
    'good',
  ]);
});
