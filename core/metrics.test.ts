import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isOuroError } from './errors.ts';
import {
  accuracy,
  classificationMetrics,
  computeMetric,
  computeMetrics,
  f1Macro,
  logLoss,
  mae,
  mase,
  panelForecastMetrics,
  r2,
  regressionMetrics,
  rmse,
  rocAuc,
  rocAucOvr,
  smape,
} from './metrics.ts';

const TOL = 1e-9;
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const PYTHON = process.env.OURO_PYTHON ?? fileURLToPath(new URL('../.venv/bin/python', import.meta.url));
const FIXTURE_SCRIPT = fileURLToPath(new URL('./metrics.fixtures.py', import.meta.url));

type Expected = Record<string, number | null>;
type Case =
  | {
      name: string;
      kind: 'classification';
      task: 'binary' | 'multiclass';
      classes: string[];
      yTrue: string[];
      yPred: string[];
      proba: number[][];
      expected: Expected;
    }
  | { name: string; kind: 'regression'; yTrue: number[]; yPred: number[]; expected: Expected }
  | {
      name: string;
      kind: 'forecast';
      season: number;
      yTrainHistory: number[];
      yTrue: number[];
      yPred: number[];
      expected: Expected;
    };

function loadFixtures(): { sklearn: string; cases: Case[] } {
  if (!existsSync(PYTHON)) {
    throw new Error(`Python not found at ${PYTHON}; run \`npm run setup\` or set OURO_PYTHON.`);
  }
  const out = execFileSync(PYTHON, [FIXTURE_SCRIPT], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  return JSON.parse(out) as { sklearn: string; cases: Case[] };
}

const fixtures = loadFixtures();
const byName = new Map(fixtures.cases.map((c) => [c.name, c]));

function assertClose(actual: number, expected: number | null, label: string): void {
  if (expected === null) {
    assert.ok(Number.isNaN(actual), `${label}: expected NaN, got ${actual}`);
    return;
  }
  const diff = Math.abs(actual - expected);
  assert.ok(diff <= TOL, `${label}: got ${actual}, sklearn ${expected}, |diff| = ${diff}`);
}

function assertAll(actual: Record<string, number>, expected: Expected, name: string): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${name}: metric keys`);
  for (const [metric, value] of Object.entries(expected))
    assertClose(actual[metric]!, value, `${name} ${metric}`);
}

describe(`metrics against scikit-learn ${fixtures.sklearn}`, () => {
  it('covers the intended cases', () => {
    for (const name of [
      'binary_ties',
      'binary_heavy_ties',
      'binary_one_class',
      'multiclass3',
      'multiclass5',
      'multiclass5_absent_true',
      'regression_signed',
      'regression_scaled',
      'regression_constant_perfect',
      'regression_constant_imperfect',
      'forecast_walk',
      'forecast_weekly',
      'forecast_zeros',
    ]) {
      assert.ok(byName.has(name), `fixture ${name} missing`);
    }
    // the multiclass fixtures really do leave a class out of yPred
    for (const name of ['multiclass3', 'multiclass5']) {
      const c = byName.get(name)!;
      assert.equal(c.kind, 'classification');
      if (c.kind === 'classification') {
        assert.ok(
          c.classes.some((k) => !c.yPred.includes(k)),
          `${name}: some class absent from yPred`,
        );
      }
    }
  });

  for (const c of fixtures.cases) {
    it(c.name, () => {
      switch (c.kind) {
        case 'classification': {
          const inputs = { yTrue: c.yTrue, yPred: c.yPred, proba: c.proba, classes: c.classes };
          assertAll(classificationMetrics(c.task, inputs), c.expected, c.name);
          // the individual functions and the dispatcher agree with the bundle
          assertClose(logLoss(c.yTrue, c.proba, c.classes), c.expected.log_loss!, `${c.name} logLoss`);
          assertClose(f1Macro(c.yTrue, c.yPred, c.classes), c.expected.f1_macro!, `${c.name} f1Macro`);
          assertClose(accuracy(c.yTrue, c.yPred), c.expected.accuracy!, `${c.name} accuracy`);
          const auc =
            c.task === 'binary'
              ? rocAuc(
                  c.yTrue,
                  c.proba.map((r) => r[1]!),
                  c.classes[1]!,
                )
              : rocAucOvr(c.yTrue, c.proba, c.classes);
          assertClose(auc, c.expected.roc_auc ?? null, `${c.name} rocAuc`);
          const all = computeMetrics({ task: c.task, ...inputs });
          for (const [m, v] of Object.entries(c.expected))
            assertClose(all[m as 'roc_auc']!, v, `${c.name} computeMetrics ${m}`);
          break;
        }
        case 'regression': {
          assertAll(regressionMetrics({ yTrue: c.yTrue, yPred: c.yPred }), c.expected, c.name);
          assertClose(
            computeMetric('r2', { task: 'regression', yTrue: c.yTrue, yPred: c.yPred }),
            c.expected.r2!,
            `${c.name} computeMetric r2`,
          );
          break;
        }
        case 'forecast': {
          const inputs = {
            task: 'forecast' as const,
            yTrue: c.yTrue,
            yPred: c.yPred,
            yTrainHistory: c.yTrainHistory,
            season: c.season,
          };
          assertAll(computeMetrics(inputs) as Record<string, number>, c.expected, c.name);
          assertClose(mase(c.yTrue, c.yPred, c.yTrainHistory, c.season), c.expected.mase!, `${c.name} mase`);
          assertClose(smape(c.yTrue, c.yPred), c.expected.smape!, `${c.name} smape`);
          break;
        }
      }
    });
  }
});

describe('metrics: hand-checked values and edge cases', () => {
  it('rocAuc averages tied ranks', () => {
    assert.equal(rocAuc(['n', 'n', 'p', 'p'], [0.1, 0.4, 0.35, 0.8], 'p'), 0.75);
    assert.equal(rocAuc(['n', 'n', 'p', 'p'], [0.1, 0.4, 0.4, 0.8], 'p'), 0.875);
    assert.equal(rocAuc(['n', 'p', 'n', 'p'], [0.5, 0.5, 0.5, 0.5], 'p'), 0.5);
  });

  it('rocAuc is NaN when yTrue holds one class', () => {
    assert.ok(Number.isNaN(rocAuc(['p', 'p'], [0.2, 0.9], 'p')));
    assert.ok(Number.isNaN(rocAuc(['n', 'n'], [0.2, 0.9], 'p')));
  });

  it('rocAucOvr rejects rows that are not probabilities', () => {
    assert.throws(
      () =>
        rocAucOvr(
          ['a', 'b', 'c'],
          [
            [0.5, 0.5, 0.5],
            [0.2, 0.3, 0.5],
            [0.1, 0.1, 0.8],
          ],
          ['a', 'b', 'c'],
        ),
      RangeError,
    );
  });

  it('logLoss clips an exact 0 to machine epsilon and does not renormalise', () => {
    assert.equal(logLoss(['a'], [[0, 1]], ['a', 'b']), -Math.log(Number.EPSILON));
    assert.equal(
      logLoss(
        ['a', 'b'],
        [
          [1, 0],
          [0, 1],
        ],
        ['a', 'b'],
      ),
      -Math.log(1 - Number.EPSILON),
    );
    assert.equal(logLoss(['a'], [[0.25, 0.25]], ['a', 'b']), Math.log(4));
  });

  it('f1Macro counts a class absent from yTrue and yPred as 0', () => {
    assert.equal(f1Macro(['a', 'b', 'a'], ['a', 'b', 'a'], ['a', 'b', 'c']), 2 / 3);
  });

  it('r2 on constant yTrue is 1 for a perfect fit, else 0 (even where sklearn hits float noise)', () => {
    assert.equal(r2([5, 5], [5, 5]), 1);
    assert.equal(r2([5, 5], [5, 6]), 0);
    assert.equal(r2([0.1, 0.1, 0.1], [0.2, 0.2, 0.2]), 0); // sklearn 1.9.1: about -5.19e31
    assert.equal(r2([7], [7]), 1);
  });

  it('rmse, mae on a tiny example', () => {
    assert.equal(rmse([1, 2, 3], [1, 2, 5]), Math.sqrt(4 / 3));
    assert.equal(mae([-1, 2], [1, 2]), 1);
  });

  it('smape is 0..200 and treats 0/0 as 0', () => {
    assert.equal(smape([0, 0], [0, 0]), 0);
    assert.equal(smape([0, 1], [5, 1]), 100);
    assert.equal(smape([1, -1], [-1, 1]), 200);
  });

  it('mase scales by the seasonal naive MAE and floors a zero scale at eps', () => {
    // naive season-1 diffs of [1, 3, 2]: |2|, |1| → scale 1.5; MAE 3 → 2
    assert.equal(mase([10], [13], [1, 3, 2], 1), 2);
    // season 2: diffs |2-1|, |4-3| → scale 1
    assert.equal(mase([0, 0], [1, 3], [1, 3, 2, 4], 2), 2);
    assert.equal(mase([4, 4], [4, 4], [4, 4, 4], 1), 0);
    assert.equal(mase([4], [5], [4, 4, 4], 1), 1 / Number.EPSILON);
    assert.throws(() => mase([1], [1], [1, 2], 2), RangeError);
    assert.throws(() => mase([1], [1], [1, 2, 3], 0), RangeError);
  });

  it('rejects malformed inputs', () => {
    assert.throws(() => accuracy(['a'], ['a', 'b']), RangeError);
    assert.throws(() => rmse([], []), RangeError);
    assert.throws(() => rmse([1, Number.NaN], [1, 2]), RangeError);
    assert.throws(() => logLoss(['z'], [[0.5, 0.5]], ['a', 'b']), RangeError);
    assert.throws(() => logLoss(['a'], [[0.5, 0.5, 0]], ['a', 'b']), RangeError);
    assert.throws(() => logLoss(['a'], [[1.5, -0.5]], ['a', 'b']), RangeError);
    assert.throws(() => f1Macro(['a'], ['a'], ['a', 'a']), RangeError);
    assert.throws(
      () =>
        classificationMetrics('binary', {
          yTrue: ['a'],
          yPred: ['a'],
          proba: [[1, 0, 0]],
          classes: ['a', 'b', 'c'],
        }),
      RangeError,
    );
  });

  it('computeMetric refuses a metric that does not fit the task', () => {
    assert.throws(
      () =>
        computeMetric('r2', {
          task: 'binary',
          yTrue: ['a'],
          yPred: ['a'],
          proba: [[1, 0]],
          classes: ['a', 'b'],
        }),
      (err: unknown) => isOuroError(err) && err.code === 'metric_invalid',
    );
    assert.throws(
      () => computeMetric('roc_auc', { task: 'regression', yTrue: [1], yPred: [1] }),
      (err: unknown) => isOuroError(err) && err.code === 'metric_invalid',
    );
  });
});

describe('panel forecast metrics', () => {
  it('MASE of a single series equals mase() with the same scale', () => {
    const history = [10, 12, 14, 11, 13, 15, 12, 14, 16];
    const yTrue = [13, 15, 17];
    const yPred = [14, 14, 18];
    // The split stores the in-sample seasonal naive MAE (season 3) as the series' scale.
    const naive = history.slice(3).map((v, i) => Math.abs(v - history[i]!));
    const s = naive.reduce((a, b) => a + b, 0) / naive.length;
    const m = panelForecastMetrics(yTrue, yPred, ['a', 'a', 'a'], { a: s });
    assert.ok(Math.abs(m.mase - mase(yTrue, yPred, history, 3)) < TOL);
    assert.ok(Math.abs(m.smape - smape(yTrue, yPred)) < TOL);
    assert.ok(Math.abs(m.rmse - rmse(yTrue, yPred)) < TOL);
  });

  it('averages MASE over series, so a large series does not drown a small one', () => {
    // Series a: MAE 10 on scale 10 -> 1; series b: MAE 1 on scale 0.5 -> 2.
    const m = panelForecastMetrics([100, 100, 1, 1], [110, 90, 2, 0], ['a', 'a', 'b', 'b'], {
      a: 10,
      b: 0.5,
    });
    assert.ok(Math.abs(m.mase - 1.5) < TOL);
  });

  it('refuses rows without a series scale', () => {
    assert.throws(() => panelForecastMetrics([1], [1], ['z'], { a: 1 }), RangeError);
    assert.throws(() => panelForecastMetrics([1, 2], [1, 2], ['a'], { a: 1 }), RangeError);
  });
});
