import type { Recipe } from '../../../core/schemas/journal.ts';
import type { Task } from '../../../core/schemas/task.ts';
import { kindOf } from '../../kinds/kinds.ts';

/**
 * Cheap drafts, expensive finalists: how much work a first look at a family may cost, from the
 * table's size and the budget. A draft only has to rank families; the leaders get all the rows
 * and the budget's remainder when they are tuned and searched.
 */

export interface TableSize {
  /** Training rows (after the holdout is split off). */
  rows: number;
  /** Classes of a classification target (1 for regression). */
  classes: number;
  budgetMs: number;
  /** The sandbox's CPUs. */
  cpus: number;
}

/** Above this many training rows, drafts run on a seeded sample of this size. */
export const DRAFT_SAMPLE_ROWS = 20_000;
const SAMPLE_ABOVE_ROWS = 40_000;
/** Rows × classes (one tree per class and round) above which threads pay for their start-up. */
const THREADS_FROM_WORK = 20_000;

/** Folds for drafts: five on small tables with time to spare, three otherwise. */
export function draftFolds(size: TableSize): number {
  return size.rows > 10_000 || size.budgetMs < 60_000 ? 3 : 5;
}

/** Threads for boosters: the sandbox's cores when the work per round is large enough. */
export function boosterThreads(size: TableSize): number {
  return size.rows * Math.max(1, size.classes) >= THREADS_FROM_WORK ? Math.max(1, size.cpus) : 1;
}

/** The recipe fields that size a draft of `family`, and one phrase saying what was cut. */
export function sizeDraft(
  family: string,
  task: Task,
  size: TableSize,
): { extra: Partial<Recipe>; params: Record<string, unknown>; note: string | null } {
  if (!kindOf(task).playbook.sizesDrafts || family === 'baseline')
    return { extra: {}, params: {}, note: null };
  const folds = draftFolds(size);
  const sample = size.rows > SAMPLE_ABOVE_ROWS ? DRAFT_SAMPLE_ROWS : undefined;
  const extra: Partial<Recipe> = { folds, ...(sample !== undefined ? { maxRows: sample } : {}) };
  const notes: string[] = [];
  if (sample !== undefined)
    notes.push(
      `on a seeded sample of ${sample.toLocaleString('en-US')} of the ${size.rows.toLocaleString('en-US')} rows (finalists use all of them)`,
    );
  if (folds !== 5) notes.push(`${folds}-fold CV`);
  let params: Record<string, unknown> = {};
  switch (family) {
    case 'lightgbm':
      // A generous cap: early stopping on a held-out tenth decides the count.
      // The slower rate only on small tables with time to spare: on a short budget the first
      // model has to be ready fast (half the rounds), and tuning and the search try slower rates.
      params = {
        n_estimators: 2000,
        learning_rate: size.rows < 2_000 && size.budgetMs >= 60_000 ? 0.05 : 0.1,
      };
      extra.earlyStopping = true;
      extra.threads = boosterThreads(size);
      notes.push('trees by early stopping');
      if (extra.threads > 1) notes.push(`${extra.threads} threads`);
      break;
    case 'random_forest':
    case 'extra_trees':
      if (size.rows > 10_000 || size.budgetMs < 60_000) {
        params = { n_estimators: 100 };
        notes.push('100 trees');
      }
      break;
  }
  return { extra, params, note: notes.length > 0 ? notes.join(', ') : null };
}
