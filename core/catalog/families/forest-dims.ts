import type { SearchDim } from '../family-types.ts';

/** Forests share one search space: the share of features per split and the leaf size. */
export const FOREST_DIMS: SearchDim[] = [
  { name: 'max_features', lo: 0.15, hi: 1 },
  { name: 'min_samples_leaf', lo: 1, hi: 12, log: true, int: true },
];
