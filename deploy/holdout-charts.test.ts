/**
 * Holdout charts computed on the host: the curves' end points and ties, the baselines, the
 * confusion matrix's counts, and the SVG the model page embeds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binsSvg, confusionTable, curveSvg } from './chart-svg.ts';
import { computeHoldoutCharts, curves, deciles } from './holdout-charts.ts';
import { holdoutChartsSection } from './model-page-charts.ts';

test('a perfect ranking: ROC through (0, 1), precision 1 up to full recall', () => {
  const c = curves([true, true, false, false], [0.9, 0.8, 0.3, 0.1]);
  assert.deepEqual(c.roc[0], [0, 0]);
  assert.deepEqual(c.roc.at(-1), [1, 1]);
  assert.ok(c.roc.some(([fpr, tpr]) => fpr === 0 && tpr === 1));
  assert.ok(c.pr.filter(([r]) => r < 1).every(([, p]) => p === 1));
  assert.deepEqual(
    c.pr.find(([r]) => r === 1),
    [1, 1],
  );
  assert.equal(c.prevalence, 0.5);
});

test('tied scores move together, as scikit-learn roc_curve', () => {
  const c = curves([true, false, true, false], [0.5, 0.5, 0.5, 0.5]);
  assert.deepEqual(c.roc, [
    [0, 0],
    [1, 1],
  ]);
});

test('binary: curves on the second class, the confusion matrix at the served labels', () => {
  const charts = computeHoldoutCharts(
    {
      predictions: ['no', 'yes', 'yes', 'no', 'no'],
      probabilities: [
        [0.9, 0.1],
        [0.2, 0.8],
        [0.4, 0.6],
        [0.7, 0.3],
        [0.6, 0.4],
      ],
    },
    ['no', 'yes', 'no', 'yes', 'no'],
    'binary',
    ['no', 'yes'],
  );
  assert.equal(charts.positive, 'yes');
  assert.equal(charts.prevalence, 0.4);
  assert.deepEqual(charts.confusion, {
    classes: ['no', 'yes'],
    counts: [
      [2, 1],
      [1, 1],
    ],
  });
  const html = holdoutChartsSection(charts, 'churn');
  assert.match(html, /ROC \(positive: yes\)/);
  assert.match(html, /random ranking \(40\.0 % positive\)/);
  assert.match(html, /<table class="confusion"/);
});

test('regression: deciles of the prediction, never a single row, rows without a prediction left out', () => {
  const labels = Array.from({ length: 23 }, (_, i) => i);
  const predictions: (number | null)[] = labels.map((i) => i + 0.5);
  predictions[3] = null;
  const charts = computeHoldoutCharts({ predictions, probabilities: null }, labels, 'regression', null);
  assert.equal(charts.confusion, null);
  // 22 rows with a prediction: 4 bins of at least 5.
  assert.deepEqual(
    charts.bins!.map((b) => b.rows),
    [5, 6, 5, 6],
  );
  assert.deepEqual(charts.bins![0], {
    actual: (0 + 1 + 2 + 4 + 5) / 5,
    predicted: (0 + 1 + 2 + 4 + 5) / 5 + 0.5,
    rows: 5,
  });
  assert.equal(
    deciles([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
    ]).length,
    0,
    'fewer than 5 rows: no bin at all',
  );
  assert.equal(deciles(Array.from({ length: 1000 }, (_, i) => [i, i] as [number, number])).length, 10);
  assert.match(holdoutChartsSection(charts, 'price'), /mean predicted price/);
});

test('the SVG escapes text and stays within its frame', () => {
  const svg = curveSvg({
    title: '<b>x</b>',
    xLabel: 'a',
    yLabel: 'b',
    points: [
      [0, 0],
      [1, 1],
    ],
    baseline: [
      [0, 0],
      [1, 1],
    ],
    baselineLabel: 'base',
    modelLabel: 'm',
  });
  assert.doesNotMatch(svg, /<b>x<\/b>/);
  assert.match(svg, /&lt;b&gt;x&lt;\/b&gt;/);
  assert.match(
    binsSvg(
      [
        { actual: 1, predicted: 2, rows: 5 },
        { actual: 3, predicted: 3, rows: 5 },
      ],
      'y',
    ),
    /<circle/,
  );
  assert.match(
    confusionTable({
      classes: ['<a>', 'b'],
      counts: [
        [1, 0],
        [0, 1],
      ],
    }),
    /&lt;a&gt;/,
  );
});

test('binary: the calibration curve is the share of positives per decile of P(positive); regression draws residuals', () => {
  // 100 rows whose P(yes) is i/100 and whose label is yes exactly for the top 30: a confident ranker, badly calibrated.
  const probabilities = Array.from({ length: 100 }, (_, i) => [1 - i / 100, i / 100]);
  const labels = probabilities.map((_, i) => (i >= 70 ? 'yes' : 'no'));
  const charts = computeHoldoutCharts({ predictions: labels, probabilities }, labels, 'binary', [
    'no',
    'yes',
  ]);
  assert.equal(charts.calibration!.length, 10);
  assert.deepEqual(
    charts.calibration!.map((b) => b.actual),
    [0, 0, 0, 0, 0, 0, 0, 1, 1, 1],
  );
  assert.ok(Math.abs(charts.calibration![0]!.predicted - 0.045) < 1e-9);
  const html = holdoutChartsSection(charts, 'churn');
  assert.match(html, /Calibration \(holdout deciles\)/);
  assert.match(html, /share of yes/);
  const reg = computeHoldoutCharts(
    { predictions: Array.from({ length: 50 }, (_, i) => i + 2), probabilities: null },
    Array.from({ length: 50 }, (_, i) => i),
    'regression',
    null,
  );
  assert.match(holdoutChartsSection(reg, 'price'), /Residuals \(holdout deciles\)/);
});
