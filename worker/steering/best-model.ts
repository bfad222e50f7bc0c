import type { Journal, JournalNode } from '../../core/schemas/journal.ts';
import { isBetter } from '../../core/schemas/task.ts';

/** The `why` of a column left out because someone asked in the thread. */
export const EXCLUDED_WHY = 'excluded on request';

/** Columns the thread asked to leave out. */
export function requestedExclusions(journal: Journal): string[] {
  return (journal.plan?.dropColumns ?? []).filter((d) => d.why === EXCLUDED_WHY).map((d) => d.column);
}

/** A model may be the best only if it honours the thread's exclusions and bans. */
export function eligible(journal: Journal, node: JournalNode): boolean {
  if (node.status !== 'succeeded' || node.cv === null) return false;
  if (journal.forbid.includes(node.recipe.family)) return false;
  return requestedExclusions(journal).every((c) => node.recipe.dropColumns.includes(c));
}

/** The best eligible experiment under the plan's metric, after steering changed what counts. */
export function recomputeBest(journal: Journal): void {
  let best: JournalNode | undefined;
  for (const n of journal.nodes)
    if (eligible(journal, n) && isBetter(journal.plan!.metric, n.cv!.mean, best?.cv?.mean)) best = n;
  journal.bestNodeId = best?.id ?? null;
}
