/**
 * Permutation importance scored on the host: the metric's direction, the repeats' spread, the
 * ranking, and refusing predictions that do not line up with the labels.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeImportance, type Permuted } from './importance.ts';

const labels = [1, 2, 3, 4, 5, 6, 7, 8];

function regression(base: number[], permuted: Record<string, number[][]>): Permuted {
  const answers = (p: number[]) => ({ predictions: p, probabilities: null });
  return {
    columns: Object.keys(permuted),
    repeats: 2,
    seed: 0,
    rows: base.length,
    base: answers(base),
    permuted: Object.fromEntries(Object.entries(permuted).map(([k, runs]) => [k, runs.map(answers)])),
  };
}

test('a lower-is-better metric: shuffling the column that matters raises RMSE, and it ranks first', () => {
  const perfect = [...labels];
  const permuted = regression(perfect, {
    noise: [perfect, perfect],
    signal: [
      [8, 7, 6, 5, 4, 3, 2, 1],
      [2, 1, 4, 3, 6, 5, 8, 7],
    ],
  });
  const imp = computeImportance(permuted, labels, { task: 'regression', metric: 'rmse', classes: null });
  assert.equal(imp.score, 0);
  assert.deepEqual(
    imp.columns.map((c) => c.name),
    ['signal', 'noise'],
  );
  const rmse = (a: number[]) => Math.sqrt(a.reduce((s, p, i) => s + (p - labels[i]!) ** 2, 0) / a.length);
  const drops = [rmse([8, 7, 6, 5, 4, 3, 2, 1]), rmse([2, 1, 4, 3, 6, 5, 8, 7])];
  assert.ok(Math.abs(imp.columns[0]!.mean - (drops[0]! + drops[1]!) / 2) < 1e-12);
  assert.ok(Math.abs(imp.columns[0]!.std - Math.abs(drops[0]! - drops[1]!) / 2) < 1e-12);
  assert.equal(imp.columns[1]!.mean, 0);
  assert.equal(imp.higherIsBetter, false);
});

test('a higher-is-better metric: a drop in accuracy is a positive importance', () => {
  const y = ['a', 'b', 'a', 'b'];
  const answers = (p: string[]) => ({
    predictions: p,
    probabilities: p.map((v) => (v === 'a' ? [0.9, 0.1] : [0.1, 0.9])),
  });
  const permuted: Permuted = {
    columns: ['x'],
    repeats: 1,
    seed: 0,
    rows: 4,
    base: answers(y),
    permuted: { x: [answers(['b', 'b', 'a', 'a'])] },
  };
  const imp = computeImportance(permuted, y, { task: 'binary', metric: 'accuracy', classes: ['a', 'b'] });
  assert.equal(imp.score, 1);
  assert.equal(imp.columns[0]!.mean, 0.5);
});

test('predictions for more rows than the vault holds are refused', () => {
  const permuted = regression([1, 2, 3], { x: [[1, 2, 3]] });
  assert.throws(
    () => computeImportance(permuted, [1, 2], { task: 'regression', metric: 'rmse', classes: null }),
    /fewer than the 3 rows/,
  );
  const short = {
    ...regression([1, 2, 3], {}),
    permuted: { x: [{ predictions: [1, 2], probabilities: null }] },
    columns: ['x'],
  };
  assert.throws(
    () => computeImportance(short, [1, 2, 3], { task: 'regression', metric: 'rmse', classes: null }),
    /2 predictions for 3 labelled rows/,
  );
});
