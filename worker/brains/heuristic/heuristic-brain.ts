import type { Diagnosis } from '../../../core/schemas/diagnosis.ts';
import type { JournalNode, Plan } from '../../../core/schemas/journal.ts';
import { higherIsBetter } from '../../../core/schemas/task.ts';
import { classifyCrash, type CrashEvidence } from '../../diagnosis/classify-crash.ts';
import type { Brain, BrainState, Decision, PlanInput } from '../brain.ts';
import { draftFamilies, familyLabel, servesTask, tuneVariants } from '../../../core/catalog/family-lookup.ts';
import { kindOf } from '../../kinds/kinds.ts';
import { fixDepth } from '../journal-lineage.ts';
import { fitsInTime, validationReserveMs } from '../../loop/budget.ts';
import { blendEstimateMs, estimateMs, median } from '../../loop/estimate-experiment.ts';
import { sizeDraft } from './draft-sizing.ts';
import { chooseFeatureSteps } from './feature-steps.ts';
import {
  baseRecipe,
  blendMembers,
  currentPhase,
  describeParams,
  tableSize,
  withoutSample,
} from './playbook-parts.ts';
import { searchTrial } from './search-step.ts';
import { fixFor, MAX_FIXES } from './fix-decision.ts';

export { MAX_FIXES };
/** Tuning of one family stops after this many variants in a row fail to improve it. */
const TUNE_PATIENCE = 2;
/** At most this many blends per run (another only when tuning or the search changed the members). */
const MAX_ENSEMBLES = 4;
/** Below this budget a tabular run skips the baseline draft. */
const SHORT_BUDGET_MS = 45_000;
/** Search trials between two blends (a re-blend only when they changed the members). */
const TRIALS_PER_BLEND = 4;

/**
 * The offline brain: an expert playbook (baseline → linear → boosting → bagging → tune the
 * leader → ensemble) that reads the journal, fixes crashes by their diagnosis, and says why.
 */
export class HeuristicBrain implements Brain {
  readonly name = 'heuristic';

  async plan(input: PlanInput): Promise<Plan> {
    const dropColumns = input.analysis.leakageSuspects.map((s) => ({
      column: s.column,
      why: `leakage suspect: ${s.why}`,
    }));
    return {
      target: input.target,
      targetReason: input.targetReason,
      task: input.task,
      metric: input.metric,
      metricReason: input.metricReason,
      families: draftFamilies(input.task, input.analysis.trainRows),
      dropColumns,
      featureSteps: chooseFeatureSteps(
        input.profile,
        input.analysis,
        input.target,
        dropColumns.map((d) => d.column),
      ),
    };
  }

  async diagnose(evidence: CrashEvidence): Promise<Diagnosis> {
    return classifyCrash(evidence);
  }

  async next(state: BrainState): Promise<Decision> {
    const { plan, nodes } = state;
    const label = (family: string) => familyLabel(family, plan.task);
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const last = nodes.at(-1);

    const forbidden = new Set(state.forbid);
    const remaining = state.budgetMs - state.elapsedMs - validationReserveMs(state.budgetMs);
    // `left` keeps a 2 s margin for the brain's own timing choices (tune before blend, search).
    const left = remaining - 2_000;
    // Proposed by the loop's own start rule: one it would refuse ends the run with time unused.
    const fits = (ms: number) => fitsInTime(ms, remaining);
    // A failed search trial is not fixed: it was one step of many, the next one moves on. Nor is
    // a fix that could not finish in time (it takes at least as long as the failure did).
    if (
      last !== undefined &&
      last.status === 'failed' &&
      last.diagnosis !== null &&
      last.operator !== 'search' &&
      !forbidden.has(last.recipe.family) &&
      fits(last.durationMs)
    ) {
      const fix = fixFor(last, last.diagnosis, state, byId);
      if (fix !== null) return fix;
    }

    const transition = (to: string, why: string) => ({ from: currentPhase(nodes, byId), to, why });

    const ok = nodes.filter((n) => n.status === 'succeeded' && n.cv !== null);
    const better = (a: JournalNode, b: JournalNode) => {
      const hi = higherIsBetter(plan.metric);
      return hi ? b.cv!.mean - a.cv!.mean : a.cv!.mean - b.cv!.mean;
    };
    const ranked = [...ok]
      .filter(
        (n) =>
          n.recipe.family !== 'baseline' && n.recipe.family !== 'ensemble' && !forbidden.has(n.recipe.family),
      )
      .sort(better);
    const leader = ranked.find((n) => state.prefer.includes(n.recipe.family)) ?? ranked[0];

    // The blend: the best model of each of the top families. Tabular blends weigh their members
    // by greedy selection (a member may get weight 0), so more candidates cost time, not score.
    const bestPerFamily: JournalNode[] = [];
    for (const n of ranked)
      if (!bestPerFamily.some((m) => m.recipe.family === n.recipe.family)) bestPerFamily.push(n);
    const ensembles = nodes.filter((n) => n.operator === 'ensemble');
    const members = blendMembers(
      bestPerFamily.slice(0, kindOf(plan.task).playbook.blendMembers),
      nodes,
      fits,
    );
    const memberKey = (ids: readonly string[]) => [...ids].sort().join(',');
    const blended = ensembles.some(
      (e) => memberKey(e.recipe.members) === memberKey(members.map((m) => m.id)),
    );
    const canBlend =
      leader !== undefined &&
      members.length >= 2 &&
      !forbidden.has('ensemble') &&
      !blended &&
      ensembles.length < MAX_ENSEMBLES;
    const blend = (why: string): Decision => ({
      kind: 'experiment',
      operator: 'ensemble',
      parent: leader!.id,
      hypothesis: `blend ${members.map((m) => label(m.recipe.family)).join(' + ')}: different families make different mistakes`,
      recipe: baseRecipe('ensemble', plan, {
        members: members.map((m) => m.id),
        dropColumns: leader!.recipe.dropColumns,
      }),
      strategy: transition('ensembling', why),
    });
    // A blend re-fits every member, so it costs about their fits together (one sandbox start,
    // see blendEstimateMs).
    const blendCost = blendEstimateMs(
      members.map((m) => m.id),
      nodes,
    );
    // A blend that cannot finish in the time left gives way to cheaper experiments.
    const blendFits = fits(blendCost);

    // Draft every planned family once (a family whose fixes ran out counts as tried).
    const triedRoots = new Set(nodes.filter((n) => n.operator === 'draft').map((n) => n.recipe.family));
    // Families asked for in the thread come first, then the playbook's order; banned ones never.
    // Only families this task has scripts for: "try theta" means nothing to a classifier.
    const asked = state.prefer
      .filter((f) => f !== 'ensemble' && servesTask(f, plan.task))
      .map((family) => ({ family, why: 'asked for in the thread' }));
    // On a short budget the baseline is not drafted: the holdout compares every model with it
    // anyway, and its few seconds are better spent on a second real model.
    const shortBudget = state.budgetMs < SHORT_BUDGET_MS && kindOf(plan.task).playbook.skipBaselineWhenShort;
    const drafts = [...asked, ...plan.families].filter(
      (f) => !forbidden.has(f.family) && !(shortBudget && f.family === 'baseline'),
    );
    const nextDraft = drafts.find((f) => !triedRoots.has(f.family));
    // On a short budget, blend what exists before a draft that would leave no time for it: a
    // blend of the top families is the surer gain than one more family.
    const draftMs = median(nodes.filter((n) => n.operator === 'draft').map((n) => n.durationMs));
    if (
      nextDraft !== undefined &&
      canBlend &&
      ensembles.length === 0 &&
      blendFits &&
      !fits(blendCost + draftMs)
    )
      return blend(
        `about ${Math.round(left / 1000)} s are left: enough for a blend of the top ${members.length} families, not for drafting ${label(nextDraft.family)} and a blend after it`,
      );
    if (nextDraft !== undefined) {
      const gaveUp = last !== undefined && last.status === 'failed' && fixDepth(last, byId) >= MAX_FIXES;
      const sized = sizeDraft(nextDraft.family, plan.task, tableSize(state));
      const draft: Extract<Decision, { kind: 'experiment' }> = {
        kind: 'experiment',
        operator: 'draft',
        parent: null,
        hypothesis: `${label(nextDraft.family)}: ${nextDraft.why}${sized.note !== null ? ` (draft: ${sized.note})` : ''}`,
        recipe: baseRecipe(nextDraft.family, plan, { ...sized.extra, params: sized.params }),
        ...(gaveUp
          ? {
              strategy: {
                from: `fixing ${label(last.recipe.family)}`,
                to: `drafting ${label(nextDraft.family)}`,
                why: `${MAX_FIXES} fixes did not make ${label(last.recipe.family)} work (${last.diagnosis?.class ?? 'failure'}); moving on`,
              },
            }
          : {}),
      };
      // Once a real model exists, a draft that could not finish in time gives way to what can.
      if (leader === undefined || fits(estimateMs(draft, nodes))) return draft;
    }

    if (leader === undefined) return { kind: 'stop', why: 'no model family produced a usable score' };
    // When what is left would not cover one more tune and the blend, blend first: the surer gain.
    const family = leader.recipe.family;
    if (canBlend && blendFits && ensembles.length === 0 && left < (blendCost + leader.durationMs) * 1.3) {
      return blend(
        `about ${Math.round(left / 1000)} s are left, enough for a blend of the top ${members.length} families but not for tuning ${label(family)} first`,
      );
    }

    // Tune the leading family while it keeps improving.
    const variants = tuneVariants(family, plan.task, state.analysis.trainRows);
    const tunes = nodes.filter((n) => n.operator === 'tune' && n.recipe.family === family);
    const tunesSinceBest = tunes.filter((t) => t.startedAt > leader.startedAt).length;
    const triedParams = new Set(tunes.map((t) => JSON.stringify(t.recipe.params)));
    const variant = variants.find((v) => !triedParams.has(JSON.stringify(v)));
    // The playbook's variants come before the search; once the search has begun they would
    // throw away the configuration it found.
    const searching = nodes.some((n) => n.operator === 'search');
    if (variant !== undefined && tunesSinceBest < TUNE_PATIENCE && !searching && fits(leader.durationMs)) {
      const second = ranked.find((n) => n.recipe.family !== family);
      const lead =
        second?.cv && leader.cv
          ? ` (it leads ${label(second.recipe.family)} by ${Math.abs(leader.cv.mean - second.cv.mean).toFixed(4)} ${plan.metric})`
          : '';
      return {
        kind: 'experiment',
        operator: 'tune',
        parent: leader.id,
        hypothesis: `tune ${label(family)}: ${describeParams(variant)}`,
        // A finalist: all the rows (a draft may have run on a sample).
        recipe: withoutSample({ ...leader.recipe, params: variant }),
        ...(tunes.length === 0
          ? {
              strategy: transition(
                `tuning ${label(family)}`,
                `${label(family)} is the best family so far${lead}`,
              ),
            }
          : {}),
      };
    }

    // Blend once tuning stops paying off.
    if (canBlend && blendFits && ensembles.length === 0)
      return blend(`tuning ${label(family)} stopped paying off; blending the top ${members.length} families`);

    // Every second used: search the leading families while time is left, re-blending when the
    // search changed the best model of a family.
    const searches = nodes.filter((n) => n.operator === 'search');
    const lastBlend = ensembles.at(-1);
    const trialsSinceBlend =
      lastBlend === undefined
        ? searches.length
        : searches.filter((n) => n.startedAt > lastBlend.startedAt).length;
    if (
      canBlend &&
      blendFits &&
      (searches.length === 0 ||
        trialsSinceBlend >= TRIALS_PER_BLEND ||
        left < (blendCost + leader.durationMs) * 1.3)
    ) {
      return blend(
        searches.length === 0
          ? `tuning changed the best models since the last blend; blending the top ${members.length} families again`
          : `the search changed the best models since the last blend; blending the top ${members.length} families again`,
      );
    }
    const trial = searchTrial(state, ranked, searches, left);
    if (trial !== null) return trial;
    if (canBlend && blendFits)
      return blend(
        `the search changed the best models since the last blend; blending the top ${members.length} families again`,
      );

    return {
      kind: 'stop',
      why:
        searches.length > 0 || ensembles.length > 0
          ? `about ${Math.max(0, Math.round(left / 1000))} s are left, too little for another search trial${canBlend ? ' or a new blend' : ''}`
          : 'the playbook is exhausted: every family was drafted, the leader tuned and an ensemble tried',
    };
  }
}
