import { OuroError } from '../../core/errors.ts';
import type { ColumnProfile, Profile } from '../../core/schemas/profile.ts';
import { chooseDateColumn, chooseIdColumn, parseForecastGoal, type ForecastGoal, type ForecastSetupChoice } from './understand-forecast.ts';
import { defaultMetric, metricsForTask, type Metric, type Task } from '../../core/schemas/task.ts';

export interface TargetChoice {
  column: string;
  reason: string;
}

export interface GoalUnderstanding {
  target: string;
  targetReason: string;
  task: Task;
  taskReason: string;
  metric: Metric;
  metricReason: string;
  /** Forecasting runs only: the time axis and horizon the split is asked for. */
  forecast?: ForecastSetupChoice;
}

/** Case-, space-, underscore- and punctuation-insensitive form used to match names. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[\s_\-.:/()]+/g, '');
}

const STOP_WORDS = new Set(['the', 'a', 'an', 'of', 'for', 'from', 'to', 'and', 'or', 'in', 'on', 'by', 'with', 'is', 'be', 'will', 'what', 'which', 'whether', 'who', 'how', 'much', 'many', 'our', 'my', 'this', 'that', 'using', 'data', 'column', 'target', 'predict', 'prediction', 'forecast', 'estimate', 'classify', 'model', 'next', 'customer', 'customers']);

function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/** Crude stemming so "churned"/"churn", "prices"/"price", "strength"/"strengths" meet. */
function stem(word: string): string {
  return word.replace(/(ies|es|s|ed|ing)$/, '');
}

/**
 * Finds the column the goal talks about. Preference order: an explicit `--target`, a column
 * whose whole name appears in the goal (longest first), a column sharing a word stem with the
 * goal's content words (closest to "predict" first), then the last column.
 */
export function chooseTarget(goal: string, columns: readonly string[], explicit?: string): TargetChoice {
  if (explicit !== undefined) {
    const wanted = normalizeName(explicit);
    const hit = columns.find((c) => normalizeName(c) === wanted);
    if (hit === undefined) {
      throw new OuroError('target_not_found', `--target "${explicit}" is not a column of this file. Columns: ${listColumns(columns)}.`);
    }
    return { column: hit, reason: `you chose it with --target` };
  }

  const goalNorm = normalizeName(goal);
  const named = columns
    .filter((c) => normalizeName(c).length >= 2 && goalNorm.includes(normalizeName(c)))
    .sort((a, b) => normalizeName(b).length - normalizeName(a).length);
  const multiWordHit = named[0];
  if (multiWordHit !== undefined) {
    return { column: multiWordHit, reason: `the goal names it ("${multiWordHit}")` };
  }

  const goalWords = words(goal);
  const verbAt = goalWords.findIndex((w) => /^(predict|forecast|estimate|classify|model|explain|guess|detect)/.test(w));
  const content = goalWords
    .map((w, i) => ({ w, i }))
    .filter(({ w }) => w.length >= 3 && !STOP_WORDS.has(w));
  const candidates: { column: string; distance: number; word: string }[] = [];
  for (const column of columns) {
    const colStems = words(column.replace(/([a-z])([A-Z])/g, '$1 $2')).map(stem);
    for (const { w, i } of content) {
      const s = stem(w);
      if (s.length >= 3 && colStems.some((cs) => cs === s || (cs.length >= 4 && (cs.startsWith(s) || s.startsWith(cs))))) {
        candidates.push({ column, distance: verbAt >= 0 ? Math.abs(i - verbAt) : i, word: w });
      }
    }
  }
  candidates.sort((a, b) => a.distance - b.distance);
  const best = candidates[0];
  if (best !== undefined) {
    return { column: best.column, reason: `the goal's word "${best.word}" matches it` };
  }

  const last = columns[columns.length - 1];
  if (last === undefined) throw new OuroError('input_no_rows', 'The file has no columns.');
  return {
    column: last,
    reason: `no column is named in the goal, so I took the last column, where labels usually live — say "--target <column>" (or name it in the goal) to pick another`,
  };
}

function listColumns(columns: readonly string[]): string {
  const shown = columns.slice(0, 30).map((c) => `"${c}"`);
  return shown.join(', ') + (columns.length > 30 ? `, … (${columns.length} in all)` : '');
}

const REGRESSION_WORDS = /\b(how much|how many|amount|price|value|cost|revenue|sales|estimate|regress|number of)\b/i;
const CLASSIFICATION_WORDS = /\b(whether|will|classify|class|category|which|churn|yes\/no|probability|likely|type|species|label)\b/i;

/** Binary, multiclass or regression, from the target column's profile and the goal's wording. */
export function inferTask(goal: string, column: ColumnProfile, rows: number): { task: Exclude<Task, 'forecast'>; reason: string } {
  const distinct = column.unique;
  if (distinct < 2) {
    throw new OuroError('target_unusable', `The target "${column.name}" has ${distinct === 0 ? 'no values' : 'a single value'}; there is nothing to learn. Pick another column with --target.`);
  }
  if (distinct === 2) return { task: 'binary', reason: `"${column.name}" has exactly two values` };
  const numeric = column.meant === 'numeric' || column.conversion === 'currency' || column.conversion === 'percent' || column.conversion === 'numeric_text';
  if (numeric) {
    const integerLike = column.samples.every((s) => /^-?\d+$/.test(s.trim()));
    const fewLevels = distinct <= 10 && integerLike;
    if (fewLevels && !REGRESSION_WORDS.test(goal)) {
      return { task: 'multiclass', reason: `"${column.name}" holds ${distinct} whole-number levels` };
    }
    if (!REGRESSION_WORDS.test(goal) && CLASSIFICATION_WORDS.test(goal) && distinct <= 20) {
      return { task: 'multiclass', reason: `the goal asks for a class and "${column.name}" has ${distinct} levels` };
    }
    return { task: 'regression', reason: `"${column.name}" is numeric with ${distinct} distinct values` };
  }
  const cap = Math.max(50, Math.min(200, Math.floor(rows / 10)));
  if (distinct > cap) {
    throw new OuroError('target_unusable', `The target "${column.name}" is text with ${distinct} distinct values — too many classes to learn from ${rows} rows. Pick a numeric column or one with fewer categories (--target).`);
  }
  return { task: 'multiclass', reason: `"${column.name}" holds ${distinct} categories` };
}

export function chooseMetric(task: Task, override?: Metric): { metric: Metric; reason: string } {
  if (override !== undefined) {
    if (!metricsForTask(task).includes(override)) {
      throw new OuroError('metric_invalid', `--metric ${override} does not fit a ${task} task; use one of: ${metricsForTask(task).join(', ')}.`);
    }
    return { metric: override, reason: 'you chose it with --metric' };
  }
  const metric = defaultMetric(task);
  const reasons: Record<string, string> = {
    roc_auc: 'ROC AUC ranks positives above negatives whatever the threshold and is robust to class imbalance',
    log_loss: 'log loss rewards well-calibrated probabilities across all classes',
    rmse: 'RMSE is in the target\'s own units and punishes large misses',
    mase: 'MASE compares the error with a seasonal naive forecast\'s, so it reads the same on any scale (below 1 beats repeating the last season)',
  };
  return { metric, reason: reasons[metric] ?? 'the default for this task' };
}

export interface GoalOptions {
  target?: string;
  metric?: Metric;
  horizon?: number;
  dateColumn?: string;
  idColumn?: string;
}

export function understandGoal(goal: string, profile: Profile, options: GoalOptions): GoalUnderstanding {
  const parsed = parseForecastGoal(goal);
  // "churn in the next 3 months" is a classification window, not a forecast: without the word
  // "forecast" (or a forecasting flag), a horizon counts only for a file with dates and no yes/no wording.
  const implied = parsed !== null && !parsed.explicit && profile.columns.some((c) => c.meant === 'datetime' || c.conversion === 'datetime') && !CLASSIFICATION_WORDS.test(goal);
  if (parsed?.explicit === true || implied || options.horizon !== undefined || options.dateColumn !== undefined || options.idColumn !== undefined) {
    return understandForecast(goal, profile, options, parsed ?? { horizon: null, unit: null, explicit: false });
  }
  const usable = profile.columns.filter((c) => c.meant !== 'empty' && c.meant !== 'constant');
  const names = (options.target !== undefined || usable.length === 0 ? profile.columns : usable).map((c) => c.name);
  const choice = chooseTarget(goal, names, options.target);
  const column = profile.columns.find((c) => c.name === choice.column);
  if (column === undefined) throw new OuroError('internal', `column ${choice.column} vanished from the profile`);
  const { task, reason: taskReason } = inferTask(goal, column, profile.rows);
  const { metric, reason: metricReason } = chooseMetric(task, options.metric);
  return { target: choice.column, targetReason: choice.reason, task, taskReason, metric, metricReason };
}

/** A forecast: a date column, a numeric target beside it, maybe a series id, and a horizon. */
function understandForecast(goal: string, profile: Profile, options: GoalOptions, parsed: ForecastGoal): GoalUnderstanding {
  const date = chooseDateColumn(profile, options.dateColumn);
  const explicitId = options.idColumn;
  const usable = profile.columns.filter((c) => c.name !== date.column && c.name !== explicitId && !['empty', 'constant'].includes(c.meant));
  const names = (options.target !== undefined ? profile.columns.filter((c) => c.name !== date.column) : usable).map((c) => c.name);
  const choice = chooseTarget(goal, names.length > 0 ? names : profile.columns.map((c) => c.name), options.target);
  const column = profile.columns.find((c) => c.name === choice.column);
  if (column === undefined) throw new OuroError('internal', `column ${choice.column} vanished from the profile`);
  const numeric = column.meant === 'numeric' || ['currency', 'percent', 'numeric_text'].includes(column.conversion ?? '');
  if (!numeric) {
    throw new OuroError('target_unusable', `A forecast needs a numeric target, and "${column.name}" holds ${column.meant} values. Name the numeric column to forecast with --target.`);
  }
  const id = chooseIdColumn(profile, date.column, column.name, explicitId);
  const horizon = options.horizon ?? parsed.horizon;
  const unit = options.horizon !== undefined ? 'step' : parsed.unit;
  const { metric, reason: metricReason } = chooseMetric('forecast', options.metric);
  const ahead = horizon === null ? 'one season ahead (the goal names no horizon)' : `${horizon} ${unit ?? 'step'}${horizon === 1 ? '' : 's'} ahead`;
  return {
    target: choice.column,
    targetReason: choice.reason,
    task: 'forecast',
    taskReason: `the goal asks for the future of "${column.name}" over "${date.column}" (${date.reason}), ${ahead}${id.column !== null ? `, per series of "${id.column}"` : ''}`,
    metric,
    metricReason,
    forecast: { dateColumn: date.column, dateReason: date.reason, idColumn: id.column, idReason: id.reason, horizon, unit },
  };
}
