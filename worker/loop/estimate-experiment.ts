import type { JournalNode } from '../../core/schemas/journal.ts';
import type { Decision } from '../brains/brain.ts';

/**
 * A draft's cost relative to a tree ensemble's or a booster's on the same table. Most of a
 * small linear or constant model's time is the sandbox start and the imports, so after a 10 s
 * LightGBM draft the linear draft is not refused for "needing 10 s" when it needs 5 or 6 (the
 * ratio measured on 2 busy cores; on an idle machine it is nearer 0.4).
 */
const DRAFT_COST: Record<string, number> = { baseline: 0.5, linear: 0.6 };
const draftCost = (family: string) => DRAFT_COST[family] ?? 1;

/**
 * A blend's time: its members' fits, but one sandbox start and one set of imports, not one per
 * member. The baseline draft measures that fixed cost (a sandbox, the imports, a trivial fit);
 * without one, the members' times are simply summed. On 2 busy cores the fixed cost was 7.6 s
 * of a 9 s linear draft, and summing it four times made a 22 s blend look like 45 s.
 */
export function blendEstimateMs(memberIds: readonly string[], nodes: readonly JournalNode[]): number {
  const times = memberIds.map(
    (id) => nodes.find((n) => n.id === id && n.status === 'succeeded')?.durationMs ?? 0,
  );
  const baseline = nodes.find(
    (n) => n.status === 'succeeded' && n.operator === 'draft' && n.recipe.family === 'baseline',
  )?.durationMs;
  if (baseline === undefined || times.length === 0) return times.reduce((a, b) => a + b, 0);
  const fixed = Math.min(baseline, ...times);
  return fixed + times.reduce((sum, t) => sum + (t - fixed), 0);
}

/** The middle value (the upper one of an even count); 0 when there is none. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * How long a proposed experiment should take, from the journal: a blend re-fits its members, a
 * tune or fix re-runs its parent's model, a draft costs what drafts have cost (the median: one
 * slow family says little about the next), scaled by the families' relative costs.
 */
export function estimateMs(
  decision: Extract<Decision, { kind: 'experiment' }>,
  nodes: readonly JournalNode[],
): number {
  // A failed parent counts too: a fix of a model killed at its time limit needs at least that long.
  const took = (id: string | null) =>
    nodes.find((n) => n.id === id && (n.status === 'succeeded' || n.status === 'failed'))?.durationMs;
  if (decision.operator === 'ensemble') return blendEstimateMs(decision.recipe.members, nodes);
  const parent = took(decision.parent);
  if (parent !== undefined) return parent;
  const drafts = nodes
    .filter((n) => n.status === 'succeeded' && n.operator === 'draft')
    .map((n) => n.durationMs / draftCost(n.recipe.family));
  return median(drafts) * draftCost(decision.recipe.family);
}
