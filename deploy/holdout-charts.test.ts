/**
 * Holdout charts computed on the host: the curves' end points and ties, the baselines, the
 * confusion matrix's counts, and the SVG the model page embeds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { confusionTable, curveSvg, scatterSvg } from './chart-svg.ts';
import { computeHoldoutCharts, curves } from './holdout-charts.ts';
import { holdoutChartsSection } from './model-page.ts';

test('a perfect ranking: ROC through (0, 1), precision 1 up to full recall', () => {
  const c = curves([true, true, false, false], [0.9, 0.8, 0.3, 0.1]);
  assert.deepEqual(c.roc[0], [0, 0]);
  assert.deepEqual(c.roc.at(-1), [1, 1]);
  assert.ok(c.roc.some(([fpr, tpr]) => fpr === 0 && tpr === 1));
  assert.ok(c.pr.filter(([r]) => r < 1).every(([, p]) => p === 1));
  assert.deepEqual(c.pr.find(([r]) => r === 1), [1, 1]);
  assert.equal(c.prevalence, 0.5);
});

test('tied scores move together, as scikit-learn roc_curve', () => {
  const c = curves([true, false, true, false], [0.5, 0.5, 0.5, 0.5]);
  assert.deepEqual(c.roc, [[0, 0], [1, 1]]);
});

test('binary: curves on the second class, the confusion matrix at the served labels', () => {
  const charts = computeHoldoutCharts(
    { predictions: ['no', 'yes', 'yes', 'no', 'no'], probabilities: [[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.7, 0.3], [0.6, 0.4]] },
    ['no', 'yes', 'no', 'yes', 'no'],
    'binary',
    ['no', 'yes'],
  );
  assert.equal(charts.positive, 'yes');
  assert.equal(charts.prevalence, 0.4);
  assert.deepEqual(charts.confusion, { classes: ['no', 'yes'], counts: [[2, 1], [1, 1]] });
  const html = holdoutChartsSection(charts, 'churn');
  assert.match(html, /ROC \(positive: yes\)/);
  assert.match(html, /random ranking \(40\.0 % positive\)/);
  assert.match(html, /<table class="confusion"/);
});

test('regression: predicted against actual, rows without a prediction left out', () => {
  const charts = computeHoldoutCharts({ predictions: [1.5, null, 3], probabilities: null }, [1, 2, 3], 'regression', null);
  assert.deepEqual(charts.scatter, [[1, 1.5], [3, 3]]);
  assert.equal(charts.confusion, null);
  assert.match(holdoutChartsSection(charts, 'price'), /predicted price/);
});

test('the SVG escapes text and stays within its frame', () => {
  const svg = curveSvg({ title: '<b>x</b>', xLabel: 'a', yLabel: 'b', points: [[0, 0], [1, 1]], baseline: [[0, 0], [1, 1]], baselineLabel: 'base', modelLabel: 'm' });
  assert.doesNotMatch(svg, /<b>x<\/b>/);
  assert.match(svg, /&lt;b&gt;x&lt;\/b&gt;/);
  assert.match(scatterSvg([[0, 1], [2, 3]], 'y'), /<circle/);
  assert.match(confusionTable({ classes: ['<a>', 'b'], counts: [[1, 0], [0, 1]] }), /&lt;a&gt;/);
});
