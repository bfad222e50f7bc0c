import { OuroError } from '../../core/errors.ts';
import type { ColumnProfile, Profile } from '../../core/schemas/profile.ts';
import {
  forecastGoal,
  understandForecast,
  type ForecastSetupChoice,
} from '../kinds/forecast/understand-forecast.ts';
import { bestCandidate, rankTargets, type AskWhy } from './rank-targets.ts';
import {
  defaultMetric,
  metricsForTask,
  type Metric,
  type TabularTask,
  type Task,
} from '../../core/schemas/task.ts';

export interface TargetChoice {
  column: string;
  reason: string;
  /** Taken with --yes although the goal did not settle it. */
  assumed?: boolean;
}

export interface GoalUnderstanding {
  target: string;
  targetReason: string;
  /** The target was a guess taken with --yes (the run says so loudly). */
  targetAssumed?: boolean;
  task: Task;
  taskReason: string;
  metric: Metric;
  metricReason: string;
  /** Forecasting runs only: the time axis and horizon the split is asked for. */
  forecast?: ForecastSetupChoice;
}

import { normalizeName } from './goal-words.ts';

export { normalizeName };

/** What ouro asks instead of guessing: the run ends with this question and the candidates. */
export interface TargetQuestion {
  why: AskWhy;
  message: string;
  candidates: { column: string; reason: string }[];
  /** Every column that can be named in the answer. */
  columns: string[];
}

/** The goal does not settle the target: the run asks instead of guessing (a `question` event). */
export class TargetQuestionError extends OuroError {
  constructor(readonly question: TargetQuestion) {
    super('target_ambiguous', question.message);
  }
}

export interface ChooseOptions {
  /** `--target` (or the answer to a question): wins over the goal. */
  explicit?: string;
  /** `--yes`: take the best candidate instead of asking, and say so loudly. */
  assumeYes?: boolean;
  exclude?: readonly string[];
  numericOnly?: boolean;
}

/**
 * The target for a goal: an explicit `--target`, else the winner of rankTargets; when the goal
 * does not settle it, a TargetQuestionError (or, with `assumeYes`, the best candidate and a
 * reason that says it was a guess).
 */
export function chooseTarget(
  goal: string,
  columns: readonly ColumnProfile[],
  options: ChooseOptions = {},
): TargetChoice {
  const names = columns.map((c) => c.name);
  if (options.explicit !== undefined) {
    const wanted = normalizeName(options.explicit);
    const hit = names.find((c) => normalizeName(c) === wanted);
    if (hit === undefined) {
      throw new OuroError(
        'target_not_found',
        `--target "${options.explicit}" is not a column of this file. Columns: ${listColumns(names)}.`,
      );
    }
    return { column: hit, reason: 'you chose it with --target' };
  }
  if (columns.length === 0) throw new OuroError('input_no_rows', 'The file has no columns.');
  const ranking = rankTargets(goal, columns, {
    ...(options.exclude ? { exclude: options.exclude } : {}),
    ...(options.numericOnly ? { numericOnly: true } : {}),
  });
  if (ranking.verdict.kind === 'chosen')
    return { column: ranking.verdict.column, reason: ranking.verdict.reason };
  const best = bestCandidate(ranking);
  // No column could be the answer: a question would have no options, so say what is wrong.
  if (best === null)
    throw new OuroError(
      'target_unusable',
      ranking.verdict.message.replace(
        / Which column should I predict.*$/,
        ' No other column of this file can be a target either.',
      ),
    );
  if (options.assumeYes === true) {
    const last =
      best.column === columns.filter((c) => !(options.exclude ?? []).includes(c.name)).at(-1)?.name;
    const took =
      ranking.verdict.why === 'nothing_named' && last
        ? `nothing in the goal names a column, so I took the last column, "${best.column}"`
        : `I took the best candidate, "${best.column}" (${best.reasons.slice(0, 2).join('; ') || 'no evidence'})`;
    return {
      column: best.column,
      reason: `--yes: ${took}. ${ranking.verdict.message} Say --target <column> to choose`,
      assumed: true,
    };
  }
  throw new TargetQuestionError({
    why: ranking.verdict.why,
    message: ranking.verdict.message,
    candidates: ranking.candidates
      .filter((c) => c.usable)
      .slice(0, 5)
      .map((c) => ({
        column: c.column,
        reason: c.reasons.slice(0, 2).join('; ') || 'nothing in the goal points at it',
      })),
    columns: ranking.candidates
      .filter((c) => c.usable)
      .map((c) => c.column)
      .slice(0, 200),
  });
}

function listColumns(columns: readonly string[]): string {
  const shown = columns.slice(0, 30).map((c) => `"${c}"`);
  return shown.join(', ') + (columns.length > 30 ? `, … (${columns.length} in all)` : '');
}

const REGRESSION_WORDS =
  /\b(how much|how many|amount|price|value|cost|revenue|sales|estimate|regress|number of)\b/i;
export const CLASSIFICATION_WORDS =
  /\b(whether|will|classify|class|category|which|churn|yes\/no|probability|likely|type|species|label)\b/i;

/** Binary, multiclass or regression, from the target column's profile and the goal's wording. */
export function inferTask(
  goal: string,
  column: ColumnProfile,
  rows: number,
): { task: TabularTask; reason: string } {
  const distinct = column.unique;
  if (distinct < 2) {
    throw new OuroError(
      'target_unusable',
      `The target "${column.name}" has ${distinct === 0 ? 'no values' : 'a single value'}; there is nothing to learn. Pick another column with --target.`,
    );
  }
  if (distinct === 2) return { task: 'binary', reason: `"${column.name}" has exactly two values` };
  const numeric =
    column.meant === 'numeric' ||
    column.conversion === 'currency' ||
    column.conversion === 'percent' ||
    column.conversion === 'numeric_text';
  if (numeric) {
    const integerLike = column.samples.every((s) => /^-?\d+$/.test(s.trim()));
    const fewLevels = distinct <= 10 && integerLike;
    if (fewLevels && !REGRESSION_WORDS.test(goal)) {
      return { task: 'multiclass', reason: `"${column.name}" holds ${distinct} whole-number levels` };
    }
    if (!REGRESSION_WORDS.test(goal) && CLASSIFICATION_WORDS.test(goal) && distinct <= 20) {
      return {
        task: 'multiclass',
        reason: `the goal asks for a class and "${column.name}" has ${distinct} levels`,
      };
    }
    return { task: 'regression', reason: `"${column.name}" is numeric with ${distinct} distinct values` };
  }
  const cap = Math.max(50, Math.min(200, Math.floor(rows / 10)));
  if (distinct > cap) {
    throw new OuroError(
      'target_unusable',
      `The target "${column.name}" is text with ${distinct} distinct values — too many classes to learn from ${rows} rows. Pick a numeric column or one with fewer categories (--target).`,
    );
  }
  return { task: 'multiclass', reason: `"${column.name}" holds ${distinct} categories` };
}

export function chooseMetric(task: Task, override?: Metric): { metric: Metric; reason: string } {
  if (override !== undefined) {
    if (!metricsForTask(task).includes(override)) {
      throw new OuroError(
        'metric_invalid',
        `--metric ${override} does not fit a ${task} task; use one of: ${metricsForTask(task).join(', ')}.`,
      );
    }
    return { metric: override, reason: 'you chose it with --metric' };
  }
  const metric = defaultMetric(task);
  const reasons: Record<string, string> = {
    roc_auc:
      'ROC AUC ranks positives above negatives whatever the threshold and is robust to class imbalance',
    log_loss: 'log loss rewards well-calibrated probabilities across all classes',
    rmse: "RMSE is in the target's own units and punishes large misses",
    mase: "MASE compares the error with a seasonal naive forecast's, so it reads the same on any scale (below 1 beats repeating the last season)",
  };
  return { metric, reason: reasons[metric] ?? 'the default for this task' };
}

export interface GoalOptions {
  target?: string;
  metric?: Metric;
  horizon?: number;
  dateColumn?: string;
  idColumn?: string;
  assumeYes?: boolean;
}

export function understandGoal(goal: string, profile: Profile, options: GoalOptions): GoalUnderstanding {
  // A goal for another kind of work (a forecast) is understood by that kind.
  const forecast = forecastGoal(goal, profile, options);
  if (forecast !== null) return understandForecast(goal, profile, options, forecast);
  const choice = chooseTarget(goal, profile.columns, {
    ...(options.target !== undefined ? { explicit: options.target } : {}),
    ...(options.assumeYes ? { assumeYes: true } : {}),
  });
  const column = profile.columns.find((c) => c.name === choice.column);
  if (column === undefined)
    throw new OuroError('internal', `column ${choice.column} vanished from the profile`);
  const { task, reason: taskReason } = inferTask(goal, column, profile.rows);
  const { metric, reason: metricReason } = chooseMetric(task, options.metric);
  return {
    target: choice.column,
    targetReason: choice.reason,
    ...(choice.assumed ? { targetAssumed: true } : {}),
    task,
    taskReason,
    metric,
    metricReason,
  };
}
