import type { JournalNode } from '../../core/schemas/journal.ts';
import type { Decision } from '../brains/brain.ts';

/**
 * How long a proposed experiment should take, from the journal: a blend re-fits its members, a
 * tune or fix re-runs its parent's model, a draft costs what drafts have cost (the median: one
 * slow family says little about the next).
 */
export function estimateMs(decision: Extract<Decision, { kind: 'experiment' }>, nodes: readonly JournalNode[]): number {
  const took = (id: string | null) => nodes.find((n) => n.id === id && n.status === 'succeeded')?.durationMs;
  if (decision.operator === 'ensemble') return decision.recipe.members.reduce((sum, m) => sum + (took(m) ?? 0), 0);
  const parent = took(decision.parent);
  if (parent !== undefined) return parent;
  const drafts = nodes.filter((n) => n.status === 'succeeded' && n.operator === 'draft').map((n) => n.durationMs).sort((a, b) => a - b);
  return drafts.length === 0 ? 0 : drafts[Math.floor(drafts.length / 2)]!;
}
