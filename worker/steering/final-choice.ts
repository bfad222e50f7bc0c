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
 * The model to judge on the holdout when the best cross-validated score is a single model's
 * (docs/architecture.md, "The final choice"). After a search has tried many settings, the
 * best CV score is partly luck: the more trials, the more one of them wins by fold noise
 * (the winner's curse). A blend of the leading families is less exposed to it, so it is
 * preferred unless the single model beats it by more than one standard error of its CV mean
 * (fold standard deviation / √folds). Returns null when the best stays the best.
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
  const se = best.cv.std / Math.sqrt(Math.max(best.cv.folds, 1));
  if (!(se > 0) || lead > se) return null;
  const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toFixed(4));
  return {
    node: blend,
    why: `Judging the blend ${blend.id} (CV ${metric} ${fmt(blend.cv!.mean)}) rather than ${best.id} (${fmt(best.cv.mean)}): the single model's lead, ${fmt(lead)}, is within one standard error of its CV score (${fmt(se)}), so it may be luck among the many settings tried, and a blend is steadier on new rows.`,
  };
}
