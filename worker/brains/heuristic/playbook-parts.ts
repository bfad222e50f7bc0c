import { familyLabel } from '../../../core/catalog/family-lookup.ts';
import type { JournalNode, Plan, Recipe } from '../../../core/schemas/journal.ts';
import type { BrainState } from '../brain.ts';
import { blendEstimateMs } from '../../loop/estimate-experiment.ts';
import type { TableSize } from './draft-sizing.ts';
import { featureRecipe } from './feature-steps.ts';
import { FULL_GUARDS } from './write-script.ts';

/** Small pieces of the heuristic playbook (heuristic-brain.ts), some shared with its search step. */

export function baseRecipe(family: string, plan: Plan, extra: Partial<Recipe> = {}): Recipe {
  return {
    family,
    params: {},
    guards: [...FULL_GUARDS],
    dropColumns: plan.dropColumns.map((d) => d.column),
    folds: 5,
    members: [],
    ...(family === 'baseline' ? {} : featureRecipe(plan)),
    ...extra,
  };
}

export function rootOf(node: JournalNode, byId: Map<string, JournalNode>): JournalNode {
  let cur = node;
  while (cur.operator === 'fix' && cur.parent !== null) {
    const parent = byId.get(cur.parent);
    if (parent === undefined) break;
    cur = parent;
  }
  return cur;
}

export function tableSize(state: BrainState): TableSize {
  return {
    rows: state.analysis.trainRows,
    classes: state.analysis.classes?.length ?? 1,
    budgetMs: state.budgetMs,
    cpus: state.cpus ?? 2,
  };
}

/** A finalist's recipe: every training row. */
export function withoutSample(recipe: Recipe): Recipe {
  const { maxRows: _dropped, ...rest } = recipe;
  return rest;
}

export function describeParams(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
}

const label = (family: string) => familyLabel(family);

export function currentPhase(nodes: readonly JournalNode[], byId: Map<string, JournalNode>): string {
  const last = nodes.at(-1);
  if (last === undefined) return 'planning';
  if (last.operator === 'tune') return `tuning ${label(last.recipe.family)}`;
  if (last.operator === 'search') return `searching ${label(last.recipe.family)}`;
  if (last.operator === 'ensemble') return 'ensembling';
  return `drafting model families (${label(rootOf(last, byId).recipe.family)} last)`;
}

/**
 * The blend's members: the best model of each top family, as many as fit in the time left
 * (`fits`, at least two; a blend re-fits every member): on a short budget a blend of the top
 * two or three families beats no blend at all.
 */
export function blendMembers(
  candidates: readonly JournalNode[],
  nodes: readonly JournalNode[],
  fits: (ms: number) => boolean,
): JournalNode[] {
  let members = [...candidates];
  while (
    members.length > 2 &&
    !fits(
      blendEstimateMs(
        members.map((m) => m.id),
        nodes,
      ),
    )
  )
    members = members.slice(0, -1);
  return members;
}
