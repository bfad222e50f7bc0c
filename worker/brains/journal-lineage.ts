import type { JournalNode } from '../../core/schemas/journal.ts';

/** How many fixes in a row led to `node` (0 for a draft, tune or ensemble). */
export function fixDepth(node: JournalNode, byId: ReadonlyMap<string, JournalNode>): number {
  let depth = 0;
  let cur: JournalNode | undefined = node;
  while (cur !== undefined && cur.operator === 'fix') {
    depth += 1;
    cur = cur.parent === null ? undefined : byId.get(cur.parent);
  }
  return depth;
}
