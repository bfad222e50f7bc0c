/**
 * Input checks and float64 numerics shared by the trusted metrics (core/metrics.ts): a
 * malformed input throws a `RangeError` naming what is wrong.
 */
import type { Labels } from './metrics.ts';

// ---------------------------------------------------------------------------------------------
// Validation and numerics helpers
// ---------------------------------------------------------------------------------------------

/** float64 machine epsilon, `np.finfo(np.float64).eps`. */
export const EPS = Number.EPSILON;

export function fail(message: string): never {
  throw new RangeError(message);
}

export function checkSameLength(what: string, a: { length: number }, b: { length: number }): void {
  if (a.length !== b.length) fail(`${what}: lengths differ (${a.length} vs ${b.length})`);
  if (a.length === 0) fail(`${what}: no samples`);
}

export function checkFinite(what: string, xs: readonly number[]): void {
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(xs[i])) fail(`${what}: value at index ${i} is not a finite number (${xs[i]})`);
  }
}

/** Position of each class; throws on duplicates or fewer than two classes. */
export function classIndex(classes: Labels): Map<string, number> {
  if (classes.length < 2) fail(`classes: need at least two classes, got ${classes.length}`);
  const index = new Map<string, number>();
  classes.forEach((c, k) => {
    if (index.has(c)) fail(`classes: duplicate class ${JSON.stringify(c)}`);
    index.set(c, k);
  });
  return index;
}

/** Column index of each true label; throws when a true label is not among `classes`. */
export function encodeTrue(yTrue: Labels, index: Map<string, number>): number[] {
  return yTrue.map((y, i) => {
    const k = index.get(y);
    if (k === undefined) fail(`yTrue: label ${JSON.stringify(y)} at index ${i} is not one of the classes`);
    return k;
  });
}

export function checkProba(proba: readonly (readonly number[])[], nClasses: number): void {
  proba.forEach((row, i) => {
    if (row.length !== nClasses) fail(`proba: row ${i} has ${row.length} columns, expected ${nClasses}`);
    for (let k = 0; k < row.length; k++) {
      const p = row[k]!;
      if (!(p >= 0 && p <= 1)) fail(`proba: value at [${i}][${k}] is not a probability in [0, 1] (${p})`);
    }
  });
}

/** `np.allclose(1, rowSums)`: |1 - s| <= atol + rtol * |s| with rtol = 1e-5, atol = 1e-8. */
export function checkRowsSumToOne(proba: readonly (readonly number[])[]): void {
  proba.forEach((row, i) => {
    const s = sum(row);
    if (!(Math.abs(1 - s) <= 1e-8 + 1e-5 * Math.abs(s))) {
      fail(`proba: row ${i} sums to ${s}, not 1; multiclass ROC AUC needs probabilities`);
    }
  });
}

export function column(proba: readonly (readonly number[])[], k: number): number[] {
  return proba.map((row) => row[k]!);
}

/** Neumaier-compensated sum: at least as accurate as numpy's pairwise summation. */
export function sum(xs: readonly number[]): number {
  let s = 0;
  let c = 0;
  for (const x of xs) {
    const t = s + x;
    c += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
    s = t;
  }
  return s + c;
}

export function mean(xs: readonly number[]): number {
  return sum(xs) / xs.length;
}

export function checkRegression(what: string, yTrue: readonly number[], yPred: readonly number[]): void {
  checkSameLength(what, yTrue, yPred);
  checkFinite(`${what} yTrue`, yTrue);
  checkFinite(`${what} yPred`, yPred);
}
