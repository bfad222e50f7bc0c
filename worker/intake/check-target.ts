import type { Profile, TargetAnalysis } from '../../core/schemas/profile.ts';
import { taskHint } from './goal-words.ts';
import type { GoalUnderstanding } from './understand-goal.ts';

/**
 * Second thoughts once the split has looked at the target, said before any budget is spent: a
 * target that is a copy of another column, or a task that contradicts the goal's words, usually
 * means the wrong column was chosen. Each line is a warning for the thread and the terminal.
 */
export function checkTargetChoice(
  goal: string,
  understood: GoalUnderstanding,
  profile: Profile,
  analysis: TargetAnalysis,
): string[] {
  const target = understood.target;
  const out: string[] = [];
  if (understood.targetAssumed === true)
    out.push(`⚠ The target "${target}" is a guess (--yes): ${understood.targetReason}.`);
  for (const [a, b] of profile.duplicateColumns) {
    if (a === target || b === target)
      out.push(
        `The target "${target}" holds the same values as "${a === target ? b : a}": if that is the column you meant, stop and say --target; otherwise "${a === target ? b : a}" is left out as a copy of the answer.`,
      );
  }
  for (const s of analysis.leakageSuspects) {
    if (s.score >= 0.98)
      out.push(
        `The target "${target}" is nearly a copy of "${s.column}" (${Math.round(s.score * 1000) / 10} %): check that "${target}" is the column you want predicted and not "${s.column}".`,
      );
  }
  const hint = taskHint(goal);
  if (hint?.hint === 'classification' && understood.task === 'regression') {
    out.push(
      `The goal says "${hint.words}", a classification, but "${target}" is a number with many values, so this run is a regression. If you meant a yes/no or category column, stop and say --target <column>.`,
    );
  }
  if (
    (hint?.hint === 'regression' || hint?.hint === 'count') &&
    (understood.task === 'binary' || understood.task === 'multiclass')
  ) {
    out.push(
      `The goal asks "${hint.words}", an amount, but "${target}" holds categories, so this run is a classification. If you meant a numeric column, stop and say --target <column>.`,
    );
  }
  return out;
}
