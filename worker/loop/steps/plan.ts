import { checkTargetChoice } from '../../intake/check-target.ts';
import type { GoalUnderstanding } from '../../intake/understand-goal.ts';
import type { LoopContext } from '../loop-types.ts';

const FEATURE_STEP_WORDS: Record<string, string> = {
  target_encode: 'target encoding inside the folds',
  text_tfidf: 'TF-IDF of free text',
  date_parts: 'date parts',
};

/**
 * The plan (brain): families to try and why, columns to leave out, feature steps; said in the
 * thread with the split's findings, second thoughts about the target and the kind's warnings
 * about the data. Done once; a resumed run keeps its plan.
 */
export async function planRun(ctx: LoopContext, understood: GoalUnderstanding): Promise<void> {
  const { journal, request, deps, profile, analysis, emit } = ctx;
  if (journal.plan !== null) return;
  journal.plan = await deps.brain.plan({ goal: request.goal, ...understood, profile, analysis });
  await ctx.save();
  for (const f of analysis.findings) await emit({ type: 'note', level: 'info', message: f });
  for (const step of journal.plan.featureSteps ?? [])
    await emit({
      type: 'note',
      level: 'info',
      message: `Feature step (${FEATURE_STEP_WORDS[step.kind]}): ${step.why}.`,
    });
  for (const w of checkTargetChoice(request.goal, understood, profile, analysis))
    await emit({ type: 'note', level: 'warn', message: w });
  for (const line of ctx.kind.dataFindings(analysis))
    await emit({ type: 'note', level: 'warn', message: line });
  await emit({
    type: 'planned',
    plan: journal.plan,
    why: `target "${understood.target}" because ${understood.targetReason}; ${understood.task} because ${understood.taskReason}; ${understood.metric} because ${understood.metricReason}`,
  });
}
