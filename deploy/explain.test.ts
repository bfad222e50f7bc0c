/**
 * `?explain=true` through the prediction API, with real models served on the ONNX path (the
 * contributions come from the shared Python pool): each row's expected value plus its
 * contributions is the model's output, and that output is the served probability's log-odds;
 * a family without exact contributions is refused with the reason.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { createKeyIfMissing } from './api-keys.ts';
import { createServing } from './server.ts';
import { EXAMPLES, holdoutRecords, publishFixtureModel, tempHome } from './test-fixtures.ts';

let serving: ReturnType<typeof createServing>;
const keys: Record<string, string> = {};
const rows: Record<string, Record<string, string | null>[]> = {};

before(async () => {
  const home = await tempHome();
  for (const [name, family, csv, target, task, metric] of [
    ['pima-lgbm', 'lightgbm', 'pima_diabetes.csv', 'diabetes', 'binary', 'roc_auc'],
    ['penguins-linear', 'linear', 'penguins.csv', 'species', 'multiclass', 'log_loss'],
    ['pima-forest', 'forest', 'pima_diabetes.csv', 'diabetes', 'binary', 'roc_auc'],
  ] as const) {
    const f = await publishFixtureModel({
      home,
      name,
      csv: `${EXAMPLES}/${csv}`,
      target,
      task,
      metric,
      family,
    });
    keys[name] = (await createKeyIfMissing(home, name))!;
    rows[name] = holdoutRecords(f.holdoutFeatures).slice(0, 25);
  }
  const config = loadConfig({
    OURO_HOME: home,
    OURO_SERVE_WORKERS: '1',
    ...(process.env.OURO_PYTHON ? { OURO_PYTHON: process.env.OURO_PYTHON } : {}),
  });
  serving = createServing({ config, logger: createLogger('silent'), pollMs: 200 });
  await serving.host.start();
});
after(() => serving.host.stop());

interface Explained {
  predictions: string[];
  probabilities: Record<string, number>[];
  explanations: {
    expected_value: number;
    contributions: Record<string, number>;
    output: number;
    scale: string;
    class: string | null;
  }[];
}

async function explain(name: string): Promise<Response> {
  return serving.app.request(`/v1/models/${name}/predict?explain=true`, {
    method: 'POST',
    headers: { authorization: `Bearer ${keys[name]}`, 'content-type': 'application/json' },
    body: JSON.stringify(rows[name]),
  });
}

test('LightGBM (binary, served on ONNX): contributions + expected value = the log-odds of the served probability', async () => {
  assert.equal(serving.host.loaded().find((m) => m.name === 'pima-lgbm')?.path, 'onnx');
  const res = await explain('pima-lgbm');
  assert.equal(res.status, 200, await res.clone().text());
  const body = (await res.json()) as Explained;
  assert.equal(body.explanations.length, rows['pima-lgbm']!.length);
  const inputs = Object.keys(rows['pima-lgbm']![0]!).sort();
  body.explanations.forEach((e, i) => {
    assert.deepEqual(Object.keys(e.contributions).sort(), inputs);
    const sum = e.expected_value + Object.values(e.contributions).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - e.output) < 1e-9, `row ${i}: ${sum} vs ${e.output}`);
    assert.equal(e.scale, 'log_odds');
    const p = body.probabilities[i]![e.class!]!;
    assert.ok(
      Math.abs(1 / (1 + Math.exp(-e.output)) - p) < 1e-6,
      `row ${i}: sigmoid(${e.output}) vs P(${e.class}) = ${p}`,
    );
  });
  // Without the flag the same route answers as always, with no explanations.
  const plain = await serving.app.request('/v1/models/pima-lgbm/predict', {
    method: 'POST',
    headers: { authorization: `Bearer ${keys['pima-lgbm']}`, 'content-type': 'application/json' },
    body: JSON.stringify(rows['pima-lgbm']),
  });
  assert.equal('explanations' in ((await plain.json()) as object), false);
});

test('a linear model (multiclass, one-hot categoricals): the predicted class is explained, on its raw score', async () => {
  const res = await explain('penguins-linear');
  assert.equal(res.status, 200, await res.clone().text());
  const body = (await res.json()) as Explained;
  body.explanations.forEach((e, i) => {
    assert.equal(e.class, body.predictions[i]);
    assert.equal(e.scale, 'raw_score');
    const sum = e.expected_value + Object.values(e.contributions).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - e.output) < 1e-9);
  });
});

test('a random forest is refused with the reason, not a guess', async () => {
  const res = await explain('pima-forest');
  assert.equal(res.status, 400);
  const body = (await res.json()) as { error: string };
  assert.match(body.error, /RandomForestClassifier.*LightGBM and XGBoost/);
});
