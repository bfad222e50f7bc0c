import type { Journal, JournalNode } from '../../core/schemas/journal.ts';
import { higherIsBetter } from '../../core/schemas/task.ts';
import { eligible } from './best-model.ts';

/** The family of a blend of the best experiments (core/catalog/families.ts). */
const BLEND = 'ensemble';

export interface FinalChoice {
  node: JournalNode;
  /** Said in the thread: why the blend is judged instead of the single model with the best CV. */
  why: string;
}

/**
 * Expected maximum of k independent standard normal scores (Blom's approximation of the top order
 * statistic, k = 1…100 tabulated): how far, in standard errors, the best of k noisy CV scores of
 * equally good settings lands above their true score by luck alone.
 */
const EXPECTED_MAX: readonly [number, number][] = [
  [1, 0],
  [2, 0.564],
  [3, 0.846],
  [4, 1.029],
  [5, 1.163],
  [6, 1.267],
  [7, 1.352],
  [8, 1.424],
  [10, 1.539],
  [15, 1.736],
  [20, 1.867],
  [30, 2.043],
  [50, 2.249],
  [100, 2.508],
];

export function expectedMaxOfNormals(k: number): number {
  if (k <= 1) return 0;
  const hi = EXPECTED_MAX.findIndex(([n]) => n >= k);
  if (hi === -1) return EXPECTED_MAX.at(-1)![1];
  const [n1, v1] = EXPECTED_MAX[hi - 1]!;
  const [n2, v2] = EXPECTED_MAX[hi]!;
  return v1 + ((v2 - v1) * Math.log(k / n1)) / Math.log(n2 / n1);
}

/**
 * The model to judge on the holdout when the best cross-validated score is a single model's
 * (docs/architecture.md, "The loop" 7). After tuning and a search, the best CV score is partly
 * luck: the more settings of a family were tried, the more the best of them won by fold noise
 * (the winner's curse). A blend of the leading families is less exposed to it, so it is
 * preferred unless the single model beats it by more than the luck expected: the standard error
 * of the difference of the two CV means (each fold std / √folds), times the expected maximum of
 * k normal scores for the k settings of that family tried (at least one standard error).
 * Returns null when the best stays the best.
 */
export function preferBlend(journal: Journal): FinalChoice | null {
  const metric = journal.plan?.metric;
  const best = journal.nodes.find((n) => n.id === journal.bestNodeId);
  if (metric === undefined || best?.cv == null || best.recipe.family === BLEND) return null;
  const sign = higherIsBetter(metric) ? 1 : -1;
  let blend: JournalNode | undefined;
  for (const n of journal.nodes)
    if (
      n.recipe.family === BLEND &&
      eligible(journal, n) &&
      (blend === undefined || sign * (n.cv!.mean - blend.cv!.mean) > 0)
    )
      blend = n;
  if (blend === undefined) return null;
  const lead = sign * (best.cv.mean - blend.cv!.mean);
  const se = (cv: { std: number; folds: number }) => cv.std / Math.sqrt(Math.max(cv.folds, 1));
  const seDiff = Math.hypot(se(best.cv), se(blend.cv!));
  const tried = journal.nodes.filter(
    (n) => n.status === 'succeeded' && n.cv !== null && n.recipe.family === best.recipe.family,
  ).length;
  const luck = Math.max(1, expectedMaxOfNormals(tried)) * seDiff;
  if (!(seDiff > 0) || lead > luck) return null;
  const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toFixed(4));
  return {
    node: blend,
    why: `Judging the blend ${blend.id} (CV ${metric} ${fmt(blend.cv!.mean)}) rather than ${best.id} (${fmt(best.cv.mean)}): the single model's lead, ${fmt(lead)}, is within what luck gives the best of ${tried} setting${tried === 1 ? '' : 's'} of its family (${fmt(luck)}: the standard error of the difference, ${fmt(seDiff)}, times the expected best of ${tried} noisy scores), and a blend is steadier on new rows.`,
  };
}
