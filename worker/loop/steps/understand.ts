import type { Profile } from '../../../core/schemas/profile.ts';
import {
  TargetQuestionError,
  understandGoal,
  type GoalUnderstanding,
  type TargetQuestion,
} from '../../intake/understand-goal.ts';
import type { RunContext } from '../loop-types.ts';

/**
 * Goal understanding (docs/architecture.md, "Goal understanding"): the target, task and metric,
 * or a question. Asking beats guessing: on a question the run ends here (status `needs_input`,
 * a `question` event), and the answer starts a new run with --target.
 */
export async function understandOrAsk(
  run: RunContext,
  profile: Profile,
): Promise<GoalUnderstanding | { question: TargetQuestion }> {
  const o = run.request.options;
  try {
    return understandGoal(run.request.goal, profile, {
      ...(o.target ? { target: o.target } : {}),
      ...(o.metric ? { metric: o.metric } : {}),
      ...(o.horizon !== undefined ? { horizon: o.horizon } : {}),
      ...(o.dateColumn ? { dateColumn: o.dateColumn } : {}),
      ...(o.idColumn ? { idColumn: o.idColumn } : {}),
      ...(o.assumeYes ? { assumeYes: true } : {}),
    });
  } catch (err) {
    if (!(err instanceof TargetQuestionError)) throw err;
    run.journal.status = 'needs_input';
    await run.save();
    await run.emit({ type: 'question', about: 'target', ...err.question });
    return { question: err.question };
  }
}
