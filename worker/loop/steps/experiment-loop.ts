import type { Journal } from '../../../core/schemas/journal.ts';
import type { Decision } from '../../brains/brain.ts';
import { applySteering } from '../../steering/apply-steering.ts';
import { requestedExclusions } from '../../steering/best-model.ts';
import { fitsInTime, MIN_EXPERIMENT_MS, validationReserveMs } from '../budget.ts';
import { estimateMs } from '../estimate-experiment.ts';
import type { LoopContext } from '../loop-types.ts';
import { tryExperiment } from './try-experiment.ts';

/**
 * The experiment loop: steering, the stop rules (experiments, budget, patience), the brain's
 * next decision, then the experiment itself, until a stop rule fires. Returns why it stopped.
 */
export async function experimentLoop(ctx: LoopContext): Promise<string> {
  const { journal, request, deps } = ctx;
  const plan = journal.plan!;
  for (;;) {
    if (deps.signal?.aborted) return 'cancelled on request';
    await applySteering(ctx);
    // Steering may change the budget and the metric, so both are read afresh each round.
    const budgetMs = journal.request.options.budgetSeconds * 1000;
    if (journal.nodes.length >= request.options.maxExperiments)
      return `reached the limit of ${request.options.maxExperiments} experiments`;
    const remaining = budgetMs - ctx.elapsed() - validationReserveMs(budgetMs);
    if (remaining < MIN_EXPERIMENT_MS)
      return `the time budget of ${journal.request.options.budgetSeconds} s is used up`;
    const sinceBest = experimentsSinceBest(journal);
    if (journal.bestNodeId !== null && sinceBest >= request.options.patience)
      return `no improvement in the last ${sinceBest} experiments that tried to improve the best one`;

    const decision: Decision = await deps.brain.next({
      plan,
      profile: ctx.profile,
      analysis: ctx.analysis,
      nodes: journal.nodes,
      bestNodeId: journal.bestNodeId,
      elapsedMs: ctx.elapsed(),
      budgetMs,
      maxExperiments: request.options.maxExperiments,
      cpus: deps.limits.cpus,
      steering: journal.steering,
      prefer: journal.prefer,
      forbid: journal.forbid,
    });
    if (decision.kind === 'stop') return decision.why;
    // Do not start what cannot finish.
    const estimate = estimateMs(decision, journal.nodes);
    if (!fitsInTime(estimate, remaining)) {
      return `the time budget of ${journal.request.options.budgetSeconds} s is nearly used up (${Math.round(remaining / 1000)} s left, the next experiment would take about ${Math.round(estimate / 1000)} s)`;
    }
    const excluded = requestedExclusions(journal);
    if (excluded.length > 0)
      decision.recipe.dropColumns = [...new Set([...decision.recipe.dropColumns, ...excluded])];
    if (decision.strategy) await ctx.emit({ type: 'strategy.changed', ...decision.strategy });
    const stopped = await tryExperiment(ctx, decision, { budgetMs, remaining });
    if (stopped !== null) return stopped;
  }
}

/**
 * Experiments since the best one that tried to improve on it (tunes, fixes, blends). First
 * drafts of the plan's families do not count: they explore, and counting them stopped runs
 * whose first real model led before the blend that would have beaten it. Search trials do not
 * count either: they try to improve their family, not the run's best (often a blend), and the
 * search has its own stop rule (the brain ends it when trials stop improving the families).
 */
function experimentsSinceBest(journal: Journal): number {
  const idx = journal.nodes.findIndex((n) => n.id === journal.bestNodeId);
  return journal.nodes.slice(idx + 1).filter((n) => n.operator !== 'draft' && n.operator !== 'search').length;
}
