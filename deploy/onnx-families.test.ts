/**
 * Every family a run can publish that converts is served on the ONNX path, with the parity
 * check on the holdout as the gate: the heuristic brain's blend (soft voting over whole
 * pipelines, weights from greedy selection), a linear model whose one-hot encoder groups rare
 * categories, and the prior baseline. Real models (trained by the harness), the real export
 * step in the sandbox, onnxruntime-node; answers compared with the harness's predict CLI.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { createKeyIfMissing } from './api-keys.ts';
import { ONNX_TOLERANCE, readServing } from './serving-files.ts';
import { createServing } from './server.ts';
import {
  EXAMPLES,
  harnessPredict,
  holdoutRecords,
  publishFixtureModel,
  tempHome,
  type Fixture,
  type FixtureFamily,
} from './test-fixtures.ts';

/** A table whose 'city' has a long tail of values seen fewer than 5 times (OneHotEncoder's min_frequency). */
function rareCategoryCsv(rows = 300): string {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const lines = ['x1,x2,city,kind,amount'];
  for (let i = 0; i < rows; i++) {
    const city = i < 60 ? `town_${i % 30}` : ['north', 'south', 'east'][Math.floor(rand() * 3)]!;
    const kind = ['a', 'b', 'c'][Math.floor(rand() * 3)]!;
    const x1 = rand() * 4 - 2;
    const x2 = rand() < 0.05 ? '' : (rand() * 10).toFixed(3);
    const amount = 100 + 15 * x1 + (city === 'north' ? 12 : 0) - (kind === 'c' ? 8 : 0) + rand() * 5;
    lines.push(`${x1.toFixed(4)},${x2},${city},${kind},${amount.toFixed(2)}`);
  }
  return `${lines.join('\n')}\n`;
}

interface Case {
  name: string;
  family: FixtureFamily;
  csv: string;
  target: string;
  task: 'binary' | 'multiclass' | 'regression';
  metric: 'roc_auc' | 'log_loss' | 'rmse';
}

const logger = createLogger('silent');
let home: string;
const fixtures = new Map<string, { fixture: Fixture; key: string; c: Case }>();
let serving: ReturnType<typeof createServing>;

before(async () => {
  home = await tempHome();
  const rare = join(home, 'rare_cities.csv');
  await writeFile(rare, rareCategoryCsv());
  const cases: Case[] = [
    {
      name: 'blend-penguins',
      family: 'blend',
      csv: `${EXAMPLES}/penguins.csv`,
      target: 'species',
      task: 'multiclass',
      metric: 'log_loss',
    },
    { name: 'blend-rare', family: 'blend', csv: rare, target: 'amount', task: 'regression', metric: 'rmse' },
    {
      name: 'linear-rare',
      family: 'linear',
      csv: rare,
      target: 'amount',
      task: 'regression',
      metric: 'rmse',
    },
    {
      name: 'prior-pima',
      family: 'prior',
      csv: `${EXAMPLES}/pima_diabetes.csv`,
      target: 'diabetes',
      task: 'binary',
      metric: 'roc_auc',
    },
  ];
  for (const c of cases) {
    const fixture = await publishFixtureModel({
      home,
      name: c.name,
      csv: c.csv,
      target: c.target,
      task: c.task,
      metric: c.metric,
      family: c.family,
    });
    fixtures.set(c.name, { fixture, key: (await createKeyIfMissing(home, c.name))!, c });
  }
  const config = loadConfig({
    OURO_HOME: home,
    OURO_SERVE_WORKERS: '1',
    OURO_SERVE_ONNX: 'auto',
    ...(process.env.OURO_PYTHON ? { OURO_PYTHON: process.env.OURO_PYTHON } : {}),
  });
  serving = createServing({ config, logger, pollMs: 200 });
  await serving.host.start();
});

after(() => serving?.host.stop());

describe('permutation importance on the holdout (planted effects: amount = 15·x1 + 12·[city = north] − 8·[kind = c] + noise; x2 is noise)', () => {
  before(() => serving.host.explanationsSettled());

  test('ranks x1 first and x2, which the target does not depend on, last; the model page shows it', async () => {
    const loaded = serving.host.loaded().find((m) => m.name === 'linear-rare')!;
    const imp = loaded.importance;
    assert.ok(imp !== null, 'importance.json was written');
    assert.equal(imp.metric, 'rmse');
    assert.deepEqual(imp.columns.map((c) => c.name).sort(), ['city', 'kind', 'x1', 'x2']);
    assert.equal(imp.columns[0]!.name, 'x1');
    assert.equal(imp.columns.at(-1)!.name, 'x2');
    assert.ok(
      imp.columns[0]!.mean > 10 * Math.max(imp.columns.at(-1)!.mean, 0.01),
      JSON.stringify(imp.columns),
    );
    const page = await (await serving.app.request('/models/linear-rare')).text();
    assert.match(page, /What it relies on/);
    assert.match(page, /<code>x1<\/code>/);
    assert.match(page, /Predicted vs actual \(holdout deciles\)/);
  });

  test("a binary model's page draws ROC and PR with their baselines and the confusion matrix", async () => {
    const loaded = serving.host.loaded().find((m) => m.name === 'prior-pima')!;
    const charts = loaded.holdoutCharts;
    assert.ok(charts !== null && charts.roc !== null && charts.confusion !== null);
    // The prior ranks every row the same: its ROC is the diagonal, its matrix one column.
    assert.deepEqual(charts.roc, [
      [0, 0],
      [1, 1],
    ]);
    assert.equal(
      charts.confusion.counts.flat().reduce((a, b) => a + b, 0),
      charts.rows,
    );
    const page = await (await serving.app.request('/models/prior-pima')).text();
    assert.match(page, /ROC \(positive: /);
    assert.match(page, /Precision-recall/);
    assert.match(page, /<table class="confusion"/);
  });
});

for (const name of ['blend-penguins', 'blend-rare', 'linear-rare', 'prior-pima']) {
  describe(name, () => {
    test('is served on the ONNX path, after matching the Python model on the holdout', async () => {
      const loaded = serving.host.loaded().find((m) => m.name === name);
      assert.ok(loaded, `${name} is loaded`);
      assert.equal(loaded.path, 'onnx', loaded.pathReason);
      const recorded = await readServing(home, name, 1);
      assert.ok(recorded !== null);
      assert.equal(recorded.path, 'onnx');
      assert.ok(recorded.rowsCompared > 0);
      assert.equal(recorded.labelsDiffer, 0);
      assert.ok(recorded.maxDifference !== null && recorded.maxDifference <= ONNX_TOLERANCE);
    });

    test('answers the holdout like the harness predict CLI', async () => {
      const { fixture, key, c } = fixtures.get(name)!;
      const records = holdoutRecords(fixture.holdoutFeatures);
      const expected = await harnessPredict(fixture.modelDir, fixture.holdoutFeatures);
      const res = await serving.app.request(`/v1/models/${name}/predict`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(records),
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as {
        predictions: (string | number)[];
        probabilities?: Record<string, number>[];
      };
      if (c.task === 'regression') {
        body.predictions.forEach((p, i) => {
          const want = Number(expected.predictions[i]);
          assert.ok(
            Math.abs(Number(p) - want) / Math.max(1, Math.abs(want)) <= ONNX_TOLERANCE,
            `row ${i}: ${p} vs ${want}`,
          );
        });
        return;
      }
      assert.deepEqual(body.predictions, expected.predictions);
      const classes = expected.classes!;
      body.probabilities!.forEach((row, i) =>
        classes.forEach((k, j) =>
          assert.ok(
            Math.abs(row[k]! - expected.probabilities![i]![j]!) <= ONNX_TOLERANCE,
            `row ${i} class ${k}`,
          ),
        ),
      );
    });
  });
}
