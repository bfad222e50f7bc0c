import { OuroError } from '../../../core/errors.ts';
import {
  chooseMetric,
  chooseTarget,
  CLASSIFICATION_WORDS,
  type GoalOptions,
  type GoalUnderstanding,
} from '../../intake/understand-goal.ts';
import type { ColumnProfile, Profile } from '../../../core/schemas/profile.ts';

/** Units a goal can count its horizon in; the split converts them to steps of the data. */
export type HorizonUnit = 'step' | 'half-hour' | 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year';

export interface ForecastGoal {
  /** Null: the goal names no horizon; the split uses one season. */
  horizon: number | null;
  unit: HorizonUnit | null;
  /** The goal says "forecast" (or "projection"); a bare "next 3 months" may be a classification window. */
  explicit: boolean;
}

export interface ForecastSetupChoice extends Omit<ForecastGoal, 'explicit'> {
  dateColumn: string;
  dateReason: string;
  idColumn: string | null;
  idReason: string;
}

const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  fourteen: 14,
  eighteen: 18,
  twenty: 20,
  thirty: 30,
  'twenty-four': 24,
  'forty-eight': 48,
};

const UNIT_PATTERN = '(half[- ]?hours?|hours?|hourly|days?|weeks?|months?|quarters?|years?|steps?|periods?)';
const COUNT_PATTERN = `(\\d+|${Object.keys(NUMBER_WORDS)
  .sort((a, b) => b.length - a.length)
  .join('|')})`;

function unitOf(word: string): HorizonUnit {
  const w = word.toLowerCase().replace(/s$/, '');
  if (w.startsWith('half')) return 'half-hour';
  if (w === 'hourly') return 'hour';
  if (w === 'period') return 'step';
  return w as HorizonUnit;
}

function countOf(word: string | undefined): number | null {
  if (word === undefined) return null;
  const n = /^\d+$/.test(word) ? Number(word) : NUMBER_WORDS[word.toLowerCase()];
  return n === undefined ? null : n;
}

/**
 * Reads "forecast X for the next 12 weeks", "next quarter", "24 months ahead", "a 6-step
 * forecast". Returns null when the goal is not about the future of a series.
 */
export function parseForecastGoal(goal: string): ForecastGoal | null {
  const text = goal.toLowerCase();
  const next = new RegExp(
    `\\b(?:next|coming|following|upcoming)\\s+(?:${COUNT_PATTERN}\\s+)?${UNIT_PATTERN}\\b`,
  ).exec(text);
  const ahead = new RegExp(
    `\\b${COUNT_PATTERN}[\\s-]+${UNIT_PATTERN}\\s+(?:ahead|out|into the future)\\b`,
  ).exec(text);
  const steps = new RegExp(`\\b${COUNT_PATTERN}[\\s-]+(step|period)s?(?:[\\s-]+ahead)?\\b`).exec(text);
  const hit = next ?? ahead ?? steps;
  const explicit = /\b(forecasts?|forecasting|projections?|project)\b/.test(text);
  if (hit !== null) return { horizon: countOf(hit[1]) ?? 1, unit: unitOf(hit[2] ?? 'step'), explicit };
  return explicit ? { horizon: null, unit: null, explicit } : null;
}

function isDate(c: ColumnProfile): boolean {
  return c.meant === 'datetime' || c.conversion === 'datetime';
}

/** The timestamp column: `--date-column`, else the file's only (or first) datetime column. */
export function chooseDateColumn(profile: Profile, explicit?: string): { column: string; reason: string } {
  if (explicit !== undefined) {
    const hit = profile.columns.find(
      (c) => c.name === explicit || c.name.toLowerCase() === explicit.toLowerCase(),
    );
    if (hit === undefined)
      throw new OuroError('series_unusable', `--date-column "${explicit}" is not a column of this file.`);
    return { column: hit.name, reason: 'you chose it with --date-column' };
  }
  const dates = profile.columns.filter(isDate);
  const first = dates[0];
  if (first === undefined) {
    throw new OuroError(
      'series_unusable',
      `A forecast needs a column of dates, and none of ${profile.columns.map((c) => `"${c.name}"`).join(', ')} reads as dates. Add one (for example 2024-01-31) or name it with --date-column.`,
    );
  }
  return {
    column: first.name,
    reason:
      dates.length === 1
        ? 'it is the only column of dates'
        : `it is the first of ${dates.length} date columns`,
  };
}

/**
 * The series id of a panel: `--id-column`, else, when dates repeat, the text column with the
 * fewest values whose values times the distinct dates cover every row (so (id, date) can be unique).
 */
export function chooseIdColumn(
  profile: Profile,
  dateColumn: string,
  target: string | null,
  explicit?: string,
): { column: string | null; reason: string } {
  if (explicit !== undefined) {
    const hit = profile.columns.find(
      (c) => c.name === explicit || c.name.toLowerCase() === explicit.toLowerCase(),
    );
    if (hit === undefined)
      throw new OuroError('series_unusable', `--id-column "${explicit}" is not a column of this file.`);
    return { column: hit.name, reason: 'you chose it with --id-column' };
  }
  const date = profile.columns.find((c) => c.name === dateColumn);
  const rows = profile.rows;
  if (date === undefined || date.unique >= rows * (1 - date.missingShare) * 0.95)
    return { column: null, reason: 'every date appears once, so the file holds one series' };
  const candidates = profile.columns
    .filter(
      (c) =>
        c.name !== dateColumn &&
        c.name !== target &&
        ['categorical', 'id', 'text', 'numeric'].includes(c.meant),
    )
    .filter((c) => c.meant !== 'numeric' || c.samples.every((s) => /^\d+$/.test(s.trim())))
    .filter((c) => c.unique >= 2 && c.unique * date.unique >= rows && c.unique <= Math.max(2, rows / 4))
    .sort((a, b) => (a.meant === 'numeric' ? 1 : 0) - (b.meant === 'numeric' ? 1 : 0) || a.unique - b.unique);
  const best = candidates[0];
  if (best === undefined) {
    return {
      column: null,
      reason: `dates repeat but no column tells the series apart; repeated dates are averaged (name the series column with --id-column)`,
    };
  }
  return {
    column: best.name,
    reason: `dates repeat and "${best.name}" (${best.unique} values) tells the ${best.unique} series apart`,
  };
}

/**
 * The forecast a goal asks for, or null when it asks for something else. "churn in the next 3
 * months" is a classification window, not a forecast: without the word "forecast" (or a
 * forecasting flag), a horizon counts only for a file with dates and no yes/no wording.
 */
export function forecastGoal(goal: string, profile: Profile, options: GoalOptions): ForecastGoal | null {
  const parsed = parseForecastGoal(goal);
  const implied =
    parsed !== null &&
    !parsed.explicit &&
    profile.columns.some((c) => c.meant === 'datetime' || c.conversion === 'datetime') &&
    !CLASSIFICATION_WORDS.test(goal);
  if (
    parsed?.explicit === true ||
    implied ||
    options.horizon !== undefined ||
    options.dateColumn !== undefined ||
    options.idColumn !== undefined
  ) {
    return parsed ?? { horizon: null, unit: null, explicit: false };
  }
  return null;
}

/** A forecast: a date column, a numeric target beside it, maybe a series id, and a horizon. */
export function understandForecast(
  goal: string,
  profile: Profile,
  options: GoalOptions,
  parsed: ForecastGoal,
): GoalUnderstanding {
  const date = chooseDateColumn(profile, options.dateColumn);
  const explicitId = options.idColumn;
  const exclude = [date.column, ...(explicitId !== undefined ? [explicitId] : [])];
  const columns =
    options.target !== undefined ? profile.columns.filter((c) => c.name !== date.column) : profile.columns;
  const choice = chooseTarget(goal, columns, {
    exclude,
    numericOnly: true,
    ...(options.target !== undefined ? { explicit: options.target } : {}),
    ...(options.assumeYes ? { assumeYes: true } : {}),
  });
  const column = profile.columns.find((c) => c.name === choice.column);
  if (column === undefined)
    throw new OuroError('internal', `column ${choice.column} vanished from the profile`);
  const numeric =
    column.meant === 'numeric' || ['currency', 'percent', 'numeric_text'].includes(column.conversion ?? '');
  if (!numeric) {
    throw new OuroError(
      'target_unusable',
      `A forecast needs a numeric target, and "${column.name}" holds ${column.meant} values. Name the numeric column to forecast with --target.`,
    );
  }
  const id = chooseIdColumn(profile, date.column, column.name, explicitId);
  const horizon = options.horizon ?? parsed.horizon;
  const unit = options.horizon !== undefined ? 'step' : parsed.unit;
  const { metric, reason: metricReason } = chooseMetric('forecast', options.metric);
  const ahead =
    horizon === null
      ? 'one season ahead (the goal names no horizon)'
      : `${horizon} ${unit ?? 'step'}${horizon === 1 ? '' : 's'} ahead`;
  return {
    target: choice.column,
    targetReason: choice.reason,
    ...(choice.assumed ? { targetAssumed: true } : {}),
    task: 'forecast',
    taskReason: `the goal asks for the future of "${column.name}" over "${date.column}" (${date.reason}), ${ahead}${id.column !== null ? `, per series of "${id.column}"` : ''}`,
    metric,
    metricReason,
    forecast: {
      dateColumn: date.column,
      dateReason: date.reason,
      idColumn: id.column,
      idReason: id.reason,
      horizon,
      unit,
    },
  };
}
