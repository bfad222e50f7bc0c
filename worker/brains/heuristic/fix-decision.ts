import { familyLabel, findFamily, replacementFamily } from '../../../core/catalog/family-lookup.ts';
import type { Diagnosis } from '../../../core/schemas/diagnosis.ts';
import type { JournalNode, Recipe } from '../../../core/schemas/journal.ts';
import { kindOf } from '../../kinds/kinds.ts';
import type { BrainState, Decision } from '../brain.ts';
import { fixDepth } from '../journal-lineage.ts';
import { FULL_GUARDS } from './write-script.ts';

/** A failing experiment is fixed at most this many times before the brain moves on. */
export const MAX_FIXES = 3;

/** The targeted fix for a diagnosis, or null when the brain should move on. */
export function fixFor(
  node: JournalNode,
  d: Diagnosis,
  state: BrainState,
  byId: Map<string, JournalNode>,
): Decision | null {
  if (fixDepth(node, byId) >= MAX_FIXES) return null;
  const label = (family: string) => familyLabel(family, state.plan.task);
  // The kind says which failures are worth a fix (a forecaster has no column guards to switch on).
  if (!kindOf(state.plan.task).playbook.fixes(d.class)) return null;
  const r: Recipe = structuredClone(node.recipe);
  const guards = new Set(r.guards);
  const tried = new Set(state.nodes.map((n) => n.recipe.family));
  const featureNames = new Set(state.profile.columns.map((c) => c.name));
  let hypothesis: string;
  switch (d.class) {
    case 'dtype':
      guards.add('encode').add('impute');
      hypothesis = 'encoding the text columns lets the estimator read them';
      break;
    case 'missing':
      guards.add('impute');
      hypothesis = 'imputing missing values (median / "missing" level) removes the NaN crash';
      break;
    case 'unseen_category':
      guards.add('handle_unknown');
      hypothesis = 'ignoring unseen categories makes folds and future inputs safe';
      break;
    case 'label':
      guards.add('label_encode');
      r.folds = Math.min(r.folds, 3);
      hypothesis = 'integer-encoded labels and fewer folds keep every class learnable';
      break;
    case 'schema': {
      const before = r.dropColumns.length;
      r.dropColumns = r.dropColumns.filter((c) => featureNames.has(c) && c !== state.plan.target);
      // Nothing left to learn from: go back to the plan's own choice of columns.
      if (/0 feature/.test(d.evidence)) r.dropColumns = state.plan.dropColumns.map((c) => c.column);
      FULL_GUARDS.forEach((g) => guards.add(g));
      hypothesis =
        before !== r.dropColumns.length
          ? 'dropping only columns that exist aligns the script with the data'
          : "rebuilding the column handling from the data's own schema";
      break;
    }
    case 'import': {
      const to = replacementFamily(r.family, tried, state.plan.task);
      hypothesis = `${label(r.family)} is not installed in the sandbox; ${label(to)} is the closest installed family`;
      r.family = to;
      r.params = {};
      FULL_GUARDS.forEach((g) => guards.add(g));
      break;
    }
    case 'memory': {
      const rows = r.maxRows ?? state.analysis.trainRows;
      r.maxRows = Math.max(500, Math.floor(rows / 2));
      guards.add('sparse').add('handle_unknown');
      r.params = shrinkParams(r.params);
      hypothesis = `a sparse encoding and ${r.maxRows} sampled rows fit in memory`;
      break;
    }
    case 'timeout': {
      r.folds = 3;
      r.params = capEffort(r.params, r.family);
      if (state.analysis.trainRows > 20_000)
        r.maxRows = Math.floor((r.maxRows ?? state.analysis.trainRows) / 2);
      hypothesis = 'three folds and a lighter model finish within the time limit';
      break;
    }
    case 'contract':
      FULL_GUARDS.forEach((g) => guards.add(g));
      hypothesis = 'rewriting from the playbook template saves model/ and metrics.json through the harness';
      break;
    case 'leakage': {
      const suspects = state.analysis.leakageSuspects.map((s) => s.column);
      const drop = new Set([...r.dropColumns, ...suspects, ...(d.column !== undefined ? [d.column] : [])]);
      if (drop.size === r.dropColumns.length) return null;
      r.dropColumns = [...drop];
      hypothesis = `without ${[...drop]
        .filter((c) => !node.recipe.dropColumns.includes(c))
        .map((c) => `"${c}"`)
        .join(', ')} the score reflects real signal`;
      break;
    }
    case 'degenerate': {
      const to = replacementFamily(r.family, tried, state.plan.task);
      hypothesis = `${label(r.family)} learned nothing beyond the prior; ${label(to)} on the planned features has more capacity`;
      r.family = to;
      r.params = {};
      r.dropColumns = state.plan.dropColumns.map((c) => c.column);
      FULL_GUARDS.forEach((g) => guards.add(g));
      break;
    }
    case 'unknown': {
      const all = FULL_GUARDS.every((g) => guards.has(g));
      if (all) return null;
      FULL_GUARDS.forEach((g) => guards.add(g));
      hypothesis = 'the same model with every guard of the playbook on';
      break;
    }
  }
  r.guards = [...guards];
  return { kind: 'experiment', operator: 'fix', parent: node.id, hypothesis, recipe: r };
}

function shrinkParams(params: Record<string, unknown>): Record<string, unknown> {
  const out = { ...params };
  for (const key of ['n_estimators', 'max_iter', 'iterations']) {
    const v = out[key];
    if (typeof v === 'number') out[key] = Math.max(50, Math.floor(v / 4));
  }
  return out;
}

/** A timeout fix: an effort the playbook knows finishes quickly on a few thousand rows. */
function capEffort(params: Record<string, unknown>, family: string): Record<string, unknown> {
  const out = { ...params };
  for (const key of ['n_estimators', 'max_iter', 'iterations']) {
    const v = out[key];
    if (typeof v === 'number') out[key] = Math.min(200, Math.max(50, Math.floor(v / 4)));
  }
  if (out.n_estimators === undefined && findFamily(family)?.rounds === 'n_estimators') out.n_estimators = 100;
  return out;
}
