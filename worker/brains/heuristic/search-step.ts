import { familyLabel } from '../../../core/catalog/family-lookup.ts';
import type { JournalNode, Recipe } from '../../../core/schemas/journal.ts';
import type { BrainState, Decision } from '../brain.ts';
import { sizeDraft, type TableSize } from './draft-sizing.ts';
import { currentPhase, describeParams, tableSize, withoutSample } from './playbook-parts.ts';
import { proposeTrial, searchable } from './search-space.ts';

/**
 * The heuristic playbook's last step (heuristic-brain.ts): once the playbook is done and budget
 * is left, a local search around the best configuration of the leading families.
 */

/**
 * After this many trials in a row that improved none of the searched families, the search has
 * converged around its incumbents; it restarts with wide steps while budget is left.
 */
const SEARCH_PATIENCE = 10;

/** The best node of each of the two leading searchable families. */
function searchLeaders(state: BrainState, ranked: readonly JournalNode[]): JournalNode[] {
  const families: JournalNode[] = [];
  for (const n of ranked)
    if (
      searchable(n.recipe.family, state.plan.task) &&
      !families.some((m) => m.recipe.family === n.recipe.family)
    )
      families.push(n);
  return families.slice(0, 2);
}

/**
 * The next search trial over the two leading searchable families (the leader two trials in
 * three), each a step from that family's best configuration; null when nothing searchable
 * fits in the time left.
 */
export function searchTrial(
  state: BrainState,
  ranked: readonly JournalNode[],
  searches: readonly JournalNode[],
  left: number,
): Decision | null {
  const { plan } = state;
  // Every second used: a converged search (SEARCH_PATIENCE trials in a row improved nothing)
  // restarts with wide steps around the incumbents while time is left, as FLAML's CFO
  // restarts. The step shrinks with the family's trials since the last restart.
  const stale = staleTrials(state, ranked, searches);
  const converged = stale >= SEARCH_PATIENCE;
  const restarting = converged && stale % SEARCH_PATIENCE === 0;
  // Only a family whose best run fits in the time left (the loop estimates a trial by it).
  const lead = searchLeaders(state, ranked).filter((n) => n.durationMs * 1.2 <= left);
  if (lead.length === 0) return null;
  const target = lead[searches.length % 3 === 2 && lead.length > 1 ? 1 : 0]!;
  const family = target.recipe.family;
  const own = searches.filter((n) => n.recipe.family === family).length;
  const sinceRestart = converged
    ? searches.slice(searches.length - (stale % SEARCH_PATIENCE)).filter((n) => n.recipe.family === family)
        .length
    : own;
  const params = proposeTrial(
    family,
    plan.task,
    target.recipe.params,
    sinceRestart,
    state.analysis.trainRows + searches.length,
  );
  if (params === null) return null;
  const label = (f: string) => familyLabel(f, plan.task);
  const first = searches.length === 0;
  const size: TableSize = tableSize(state);
  const recipe: Recipe = withoutSample({
    ...target.recipe,
    params,
    ...(family === 'lightgbm'
      ? { earlyStopping: true, threads: sizeDraft('lightgbm', plan.task, size).extra.threads ?? 1 }
      : {}),
  });
  return {
    kind: 'experiment',
    operator: 'search',
    parent: target.id,
    hypothesis: `search ${label(family)} (trial ${own + 1}, a ${restarting ? 'wide restart step' : 'step'} from ${target.id}): ${describeParams(params)}`,
    recipe,
    ...(first
      ? {
          strategy: {
            from: currentPhase(state.nodes, new Map(state.nodes.map((n) => [n.id, n]))),
            to: `searching ${lead.map((n) => label(n.recipe.family)).join(' and ')}`,
            why: 'the playbook is done and budget is left: a local search around the best configuration of the leading families, then a new blend',
          },
        }
      : restarting
        ? {
            strategy: {
              from: currentPhase(state.nodes, new Map(state.nodes.map((n) => [n.id, n]))),
              to: `searching ${lead.map((n) => label(n.recipe.family)).join(' and ')} again`,
              why: `the search converged (its last ${SEARCH_PATIENCE} trials improved none of the leading families) with budget left: restarting with wide steps around the best configurations`,
            },
          }
        : {}),
  };
}

/** How many of the latest search trials in a row are no family's best. */
function staleTrials(
  state: BrainState,
  ranked: readonly JournalNode[],
  searches: readonly JournalNode[],
): number {
  const lead = searchLeaders(state, ranked);
  let stale = 0;
  for (let i = searches.length - 1; i >= 0 && !lead.some((b) => b.id === searches[i]!.id); i--) stale++;
  return stale;
}
