import { seededRandom } from '../../../core/seeded-random.ts';
import type { Task } from '../../../core/schemas/task.ts';

/**
 * The search that spends the budget left after the playbook: a cost-frugal local search in the
 * spirit of FLAML's CFO. Each trial moves from the family's best configuration so far in a
 * random direction (log scale where a parameter spans decades); the step shrinks as trials
 * accumulate. Seeded, so a resumed run proposes the same trials.
 */

interface Dim {
  name: string;
  lo: number;
  hi: number;
  log?: boolean;
  int?: boolean;
}

function space(family: string, task: Task): Dim[] | null {
  const classifier = task !== 'regression';
  switch (family) {
    case 'lightgbm':
      return [
        { name: 'num_leaves', lo: 4, hi: 256, log: true, int: true },
        { name: 'learning_rate', lo: 0.01, hi: 0.3, log: true },
        { name: 'min_child_samples', lo: 2, hi: 100, log: true, int: true },
        { name: 'colsample_bytree', lo: 0.3, hi: 1 },
        { name: 'subsample', lo: 0.5, hi: 1 },
        { name: 'reg_lambda', lo: 0.001, hi: 10, log: true },
        { name: 'reg_alpha', lo: 0.001, hi: 1, log: true },
      ];
    case 'linear':
      return classifier ? [{ name: 'C', lo: 0.001, hi: 100, log: true }] : [{ name: 'alpha', lo: 0.001, hi: 1000, log: true }];
    case 'random_forest':
    case 'extra_trees':
      return [
        { name: 'max_features', lo: 0.15, hi: 1 },
        { name: 'min_samples_leaf', lo: 1, hi: 12, log: true, int: true },
      ];
    default:
      return null;
  }
}

/** Where the search starts when the family's best run used a library default. */
const START: Record<string, Record<string, number>> = {
  lightgbm: { num_leaves: 31, learning_rate: 0.1, min_child_samples: 20, colsample_bytree: 0.8, subsample: 0.8, reg_lambda: 0.001, reg_alpha: 0.001 },
  linear: { C: 1, alpha: 1 },
  random_forest: { max_features: 0.5, min_samples_leaf: 1 },
  extra_trees: { max_features: 0.7, min_samples_leaf: 1 },
};

/** Fixed parameters of every trial of a family (the search does not move them). */
const FIXED: Record<string, Record<string, unknown>> = {
  lightgbm: { n_estimators: 3000, subsample_freq: 1 },
  linear: {},
  random_forest: { n_estimators: 300 },
  extra_trees: { n_estimators: 300 },
};

export function searchable(family: string, task: Task): boolean {
  return task !== 'forecast' && space(family, task) !== null;
}

function toUnit(d: Dim, v: number): number {
  const x = Math.min(d.hi, Math.max(d.lo, v));
  return d.log ? Math.log(x / d.lo) / Math.log(d.hi / d.lo) : (x - d.lo) / (d.hi - d.lo);
}

function fromUnit(d: Dim, u: number): number {
  const c = Math.min(1, Math.max(0, u));
  const v = d.log ? d.lo * Math.pow(d.hi / d.lo, c) : d.lo + c * (d.hi - d.lo);
  return d.int ? Math.round(v) : Number(v.toPrecision(3));
}

/**
 * The next trial's parameters for `family`: a step from `incumbent` (the family's best
 * parameters so far). `trial` counts this family's search trials; the step shrinks from 0.3
 * to 0.08 of each parameter's range over them.
 */
export function proposeTrial(family: string, task: Task, incumbent: Record<string, unknown>, trial: number, seed: number): Record<string, unknown> | null {
  const dims = space(family, task);
  if (dims === null) return null;
  const random = seededRandom(seed * 7919 + trial * 104_729 + family.length);
  const start = START[family] ?? {};
  const step = Math.max(0.08, 0.3 * Math.pow(0.85, trial));
  // A random direction on the unit sphere, scaled by the step (CFO's randomized direct search).
  const direction = dims.map(() => {
    const u = Math.max(1e-12, random());
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  });
  const norm = Math.sqrt(direction.reduce((s, x) => s + x * x, 0)) || 1;
  const params: Record<string, unknown> = { ...(FIXED[family] ?? {}) };
  dims.forEach((d, i) => {
    const current = typeof incumbent[d.name] === 'number' ? (incumbent[d.name] as number) : (start[d.name] ?? (d.lo + d.hi) / 2);
    params[d.name] = fromUnit(d, toUnit(d, current) + (step * direction[i]!) / norm * Math.sqrt(dims.length));
  });
  if (family === 'linear' && task !== 'regression') params.max_iter = 3000;
  return params;
}
