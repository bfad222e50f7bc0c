import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ColumnProfile, Profile } from '../../core/schemas/profile.ts';
import { HeuristicAnalyst } from './heuristic-analyst.ts';
import { understandQuestion, type QuestionKind } from './understand-question.ts';

const col = (
  name: string,
  meant: ColumnProfile['meant'],
  unique: number,
  samples: string[] = [],
): ColumnProfile => ({
  name,
  stored: meant === 'numeric' ? 'float' : 'string',
  meant,
  conversion: meant === 'datetime' ? 'datetime' : null,
  missingShare: 0,
  unique,
  samples,
});

const PROFILE: Profile = {
  file: { bytes: 1, encoding: 'utf-8', delimiter: ',', lineEnding: 'LF', bom: false },
  rows: 1000,
  columns: [
    col('customer_id', 'id', 1000),
    col('contract', 'categorical', 3, ['month-to-month', 'one-year']),
    col('region', 'categorical', 4, ['north']),
    col('tenure', 'numeric', 70),
    col('monthly_charges', 'numeric', 900),
    col('signup', 'datetime', 24),
    col('sales', 'numeric', 800),
    col('churn', 'boolean', 2, ['yes', 'no']),
  ],
  duplicateRows: 0,
  duplicateColumns: [],
  findings: [],
};

const CASES: [string, QuestionKind, string | null, string | null][] = [
  ['what drives churn?', 'drivers', 'churn', null],
  ['why do customers churn', 'drivers', 'churn', null],
  ['churn rate by contract', 'compare', 'churn', 'contract'],
  ['compare sales across region', 'compare', 'sales', 'region'],
  ['how did sales change by region?', 'trend', 'sales', 'region'],
  ['any data quality problems?', 'quality', null, null],
  ['analyze this', 'free', null, null],
  ['what does the distribution of monthly charges look like', 'distribution', 'monthly_charges', null],
];

test('the question is read for its kind, target and groups', () => {
  const wrong: string[] = [];
  for (const [q, kind, target, group] of CASES) {
    const i = understandQuestion(q, PROFILE);
    if (i.kind !== kind || i.target !== target || i.group !== group)
      wrong.push(`"${q}": ${i.kind} target=${i.target} group=${i.group} (${i.reason})`);
  }
  assert.deepEqual(wrong, []);
});

test('the heuristic plan fits the question: drivers get associations and the model; a date adds the trend', async () => {
  const analyst = new HeuristicAnalyst();
  const ctx = (q: string) => ({
    question: q,
    intent: understandQuestion(q, PROFILE),
    profile: PROFILE,
    seed: 42,
    budgetMs: 90_000,
  });
  assert.deepEqual(
    (await analyst.plan(ctx('what drives churn?'))).map((s) => s.kind),
    ['overview', 'associations', 'drivers', 'trend'],
  );
  assert.deepEqual(
    (await analyst.plan(ctx('churn rate by contract'))).map((s) => s.kind),
    ['overview', 'compare', 'trend'],
  );
  const fix = await analyst.revise(
    ctx('what drives churn?'),
    (await analyst.plan(ctx('what drives churn?')))[2]!,
    { exitCode: 1, timedOut: false, oomKilled: false, stderr: '', missingOutputs: [] },
    { class: 'schema', evidence: "KeyError: 'tenure'", fix: 'x', column: 'tenure' },
    1,
  );
  assert.deepEqual(fix?.exclude, ['tenure']);
});
