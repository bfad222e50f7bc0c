import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OuroError } from '../../../core/errors.ts';
import type { ColumnProfile, Profile } from '../../../core/schemas/profile.ts';
import { understandGoal } from '../../intake/understand-goal.ts';
import { chooseIdColumn, parseForecastGoal } from './understand-forecast.ts';

const col = (over: Partial<ColumnProfile>): ColumnProfile => ({
  name: 'x',
  stored: 'integer',
  meant: 'numeric',
  conversion: null,
  missingShare: 0,
  unique: 100,
  samples: ['1', '2.5'],
  ...over,
});

const profile = (rows: number, columns: ColumnProfile[]): Profile => ({
  file: { bytes: 1000, encoding: 'utf-8', delimiter: ',', lineEnding: 'LF', bom: false },
  rows,
  columns,
  duplicateRows: 0,
  duplicateColumns: [],
  findings: [],
});

const date = (unique: number) =>
  col({
    name: 'date',
    stored: 'string',
    meant: 'datetime',
    conversion: 'datetime',
    unique,
    samples: ['2020-01-01'],
  });

test('reads the horizon and its unit from the usual phrasings', () => {
  const cases: [string, number | null, string | null][] = [
    ['forecast sales for the next 12 weeks', 12, 'week'],
    ['Forecast passengers for the next twelve months', 12, 'month'],
    ['project revenue for the next quarter', 1, 'quarter'],
    ['forecast load 48 half-hours ahead', 48, 'half-hour'],
    ['a 6-step forecast of demand', 6, 'step'],
    ['forecast demand over the coming 3 years', 3, 'year'],
    ['forecast production', null, null],
  ];
  for (const [goal, horizon, unit] of cases) {
    const parsed = parseForecastGoal(goal);
    assert.deepEqual([parsed?.horizon, parsed?.unit], [horizon, unit], goal);
  }
  assert.equal(parseForecastGoal('predict churn'), null);
});

test('a forecast goal picks the date column, a numeric target and the horizon', () => {
  const u = understandGoal(
    'forecast passengers for the next 12 months',
    profile(144, [
      col({ name: 'month', meant: 'datetime', conversion: 'datetime', unique: 144 }),
      col({ name: 'passengers', unique: 118 }),
    ]),
    {},
  );
  assert.equal(u.task, 'forecast');
  assert.equal(u.metric, 'mase');
  assert.equal(u.target, 'passengers');
  assert.deepEqual(u.forecast, {
    dateColumn: 'month',
    dateReason: 'it is the only column of dates',
    idColumn: null,
    idReason: 'every date appears once, so the file holds one series',
    horizon: 12,
    unit: 'month',
  });
});

test('the target is never the date column, even when the goal names its unit ("months" ~ "month")', () => {
  const u = understandGoal(
    'forecast for the next 6 months',
    profile(100, [
      col({ name: 'month', meant: 'datetime', conversion: 'datetime', unique: 100 }),
      col({ name: 'gas', unique: 90 }),
    ]),
    {},
  );
  assert.equal(u.target, 'gas');
});

test('a panel: dates repeat and a low-cardinality column tells the series apart', () => {
  const p = profile(300, [
    col({ name: 'store', stored: 'string', meant: 'categorical', unique: 3, samples: ['north'] }),
    date(100),
    col({ name: 'sales', unique: 290 }),
    col({ name: 'promo', unique: 2, meant: 'boolean' }),
  ]);
  const u = understandGoal('forecast sales for the next 6 months', p, {});
  assert.equal(u.forecast?.idColumn, 'store');
  assert.equal(chooseIdColumn(p, 'date', 'sales', 'STORE').column, 'store');
  assert.equal(
    chooseIdColumn(profile(100, [date(100), col({ name: 'sales' })]), 'date', 'sales').column,
    null,
  );
});

test('flags override the goal: --horizon counts steps, --date-column and --id-column are checked', () => {
  const p = profile(300, [
    col({ name: 'store', stored: 'string', meant: 'categorical', unique: 3 }),
    date(100),
    col({ name: 'sales', unique: 290 }),
  ]);
  const u = understandGoal('forecast sales for the next 6 months', p, { horizon: 9 });
  assert.deepEqual([u.forecast?.horizon, u.forecast?.unit], [9, 'step']);
  assert.throws(
    () => understandGoal('forecast sales', p, { dateColumn: 'when' }),
    (e: unknown) => e instanceof OuroError && e.code === 'series_unusable' && /when/.test(e.message),
  );
  assert.throws(
    () => understandGoal('forecast sales', p, { idColumn: 'shop' }),
    (e: unknown) => e instanceof OuroError && e.code === 'series_unusable',
  );
});

test('"forecast" without a date column is a clear error; a text target too', () => {
  const noDates = profile(100, [col({ name: 'sales' })]);
  assert.throws(
    () => understandGoal('forecast sales for the next 3 months', noDates, {}),
    (e: unknown) =>
      e instanceof OuroError && e.code === 'series_unusable' && /column of dates/.test(e.message),
  );
  const textTarget = profile(100, [
    date(100),
    col({ name: 'status', stored: 'string', meant: 'categorical', unique: 3 }),
  ]);
  assert.throws(
    () => understandGoal('forecast status', textTarget, {}),
    (e: unknown) => e instanceof OuroError && e.code === 'target_unusable',
  );
});

test('"churn in the next 3 months" stays a classification goal', () => {
  const p = profile(500, [
    col({ name: 'signup', meant: 'datetime', conversion: 'datetime', unique: 400 }),
    col({ name: 'churn', stored: 'string', meant: 'categorical', unique: 2, samples: ['yes', 'no'] }),
  ]);
  assert.equal(understandGoal('will a customer churn in the next 3 months', p, {}).task, 'binary');
  assert.equal(
    understandGoal(
      'predict churn over the next quarter',
      profile(500, [col({ name: 'churn', stored: 'string', meant: 'categorical', unique: 2 })]),
      {},
    ).task,
    'binary',
  );
});
