/**
 * Goals as people type them, on real tables (small samples in test/fixtures/goals, exported
 * from R packages by export.R there; pima from examples/, attrition from bench/datasets), each
 * profiled by the real harness in the real sandbox, as a run would see it. Every case says the
 * column a data scientist would pick, or that the goal does not settle it and ouro must ask.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Profile } from '../../core/schemas/profile.ts';
import { REPO_ROOT } from '../../test/support/cli.ts';
import { profileFile } from '../../test/support/profile-file.ts';
import { makeTempDir } from '../../test/support/temp-dir.ts';
import { rankTargets, type AskWhy } from './rank-targets.ts';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'goals');
const fileOf = (name: string) =>
  name === 'pima_diabetes'
    ? join(REPO_ROOT, 'examples', 'pima_diabetes.csv')
    : name === 'attrition'
      ? join(REPO_ROOT, 'bench', 'datasets', 'attrition.csv')
      : join(FIXTURES, `${name}.csv`);

type Expect = string | { ask: AskWhy };

/** [table, goal, the column to predict or the reason to ask]. */
export const GOAL_CASES: [table: string, goal: string, expected: Expect][] = [
  // spambase: `email` is a word-frequency column; `type` holds spam/nonspam.
  ['spambase', 'classify emails as spam or nonspam (type)', 'type'],
  ['spambase', 'classify emails as spam or nonspam', 'type'],
  ['spambase', 'is this email spam?', 'type'],
  ['spambase', 'what drives capitalAve?', 'capitalAve'],
  // HMDA: `deny` is the first column, `hschool` the last.
  ['hmda', 'predict mortgage denial', 'deny'],
  ['hmda', 'will the mortgage application be denied?', 'deny'],
  ['hmda', 'which applicants get approved?', 'deny'],
  ['hmda', 'predict deny (yes/no) from pirat and lvrat', 'deny'],
  ['hmda', 'build me a model', { ask: 'nothing_named' }],
  // German credit (modeldata credit_data): `Status` is good/bad, `Price` is last.
  ['credit_data', 'will the applicant be a good or bad credit risk?', 'Status'],
  ['credit_data', 'predict Status', 'Status'],
  ['credit_data', 'predict the price of the goods', 'Price'],
  ['credit_data', 'how much will the applicant borrow?', { ask: 'nothing_named' }],
  // Telco churn (modeldata wa_churn): `churn` first, `total_charges` last.
  ['wa_churn', 'which customers will leave us?', 'churn'],
  ['wa_churn', 'predict churn', 'churn'],
  ['wa_churn', 'predict total charges', 'total_charges'],
  ['wa_churn', 'how much do customers pay each month?', 'monthly_charges'],
  ['wa_churn', 'predict tenure in months', 'tenure'],
  ['mlc_churn', 'will the customer churn?', 'churn'],
  ['mlc_churn', 'how many customer service calls will a customer make?', 'number_customer_service_calls'],
  ['mlc_churn', 'predict the international plan', 'international_plan'],
  ['attrition', 'which employees will quit?', 'Attrition'],
  // diamonds: x, y, z are dimensions; the last column is z.
  ['diamonds', 'how much is a diamond worth?', 'price'],
  ['diamonds', 'predict diamond prices', 'price'],
  ['diamonds', 'predict price from carat, cut and clarity', 'price'],
  ['diamonds', 'predict the cut of a diamond', 'cut'],
  ['diamonds', 'estimate the carat', 'carat'],
  // Boston housing: `medv` is the median value.
  ['boston_housing', 'predict the median house value', 'medv'],
  ['boston_housing', 'predict crime rate', 'crim'],
  ['boston_housing', 'what drives nitric oxide concentration (nox)?', 'nox'],
  // Pima diabetes.
  ['pima_diabetes', 'predict diabetes', 'diabetes'],
  ['pima_diabetes', 'which patients are diabetic?', 'diabetes'],
  ['pima_diabetes', 'predict insulin from glucose and age', 'insulin'],
  // Titanic (R's Titanic, one row per person).
  ['titanic', 'who survived the titanic?', 'Survived'],
  ['titanic', 'predict survival', 'Survived'],
  ['titanic', 'did the passenger die?', 'Survived'],
  // iris.
  ['iris', 'classify iris species', 'Species'],
  ['iris', 'predict the flower kind', 'Species'],
  ['iris', 'predict petal width', 'Petal.Width'],
  ['iris', 'predict the revenue', { ask: 'nothing_named' }],
  ['iris', 'predict the target column (revenue)', { ask: 'absent' }],
  ['iris', '"revenue" is what I want predicted', { ask: 'absent' }],
  // Wages (AER CPS1985), the adult-income kind of question.
  ['cps1985_wages', 'how much do people earn?', 'wage'],
  ['cps1985_wages', 'predict the salary', 'wage'],
  ['cps1985_wages', 'predict union membership', 'union'],
  // Breast cancer (mlbench): an `Id` column and `Class` benign/malignant.
  ['breast_cancer', 'is the tumour benign or malignant?', 'Class'],
  ['breast_cancer', 'predict Id', { ask: 'unusable' }],
  // Ridership (modeldata Chicago), the bike-sharing kind of count.
  ['chicago_ridership', 'how many riders will there be?', 'ridership'],
  // Lending club: `Class` good/bad, several delinquency counts.
  ['lending_club', 'will the loan be good or bad?', 'Class'],
  ['lending_club', 'predict the interest rate', 'int_rate'],
  ['lending_club', 'predict which loans will default', { ask: 'nothing_named' }],
  // House prices (AER): `price` is the first column.
  ['house_prices', 'how much does a house sell for?', 'price'],
  ['glass', 'classify the glass type', 'Type'],
  ['house_votes', 'is the representative a democrat or republican?', 'Class'],
  // mpg: highway and city mileage are both mileage.
  ['mpg', 'predict the mileage', { ask: 'close' }],
  ['mpg', 'predict hwy', 'hwy'],
  // The issue's constant target.
  ['iris_constant_target', 'predict target', { ask: 'unusable' }],
];

describe('target choice on real tables', () => {
  const profiles = new Map<string, Profile>();
  let dir: { path: string; cleanup: () => Promise<void> };
  before(async () => {
    dir = await makeTempDir('goals');
    for (const table of new Set(GOAL_CASES.map(([t]) => t)))
      profiles.set(table, await profileFile(fileOf(table), dir.path));
  });
  after(() => dir.cleanup());

  test(`${GOAL_CASES.length} goals as people type them`, () => {
    assert.ok(GOAL_CASES.length >= 40);
    const wrong: string[] = [];
    for (const [table, goal, expected] of GOAL_CASES) {
      const ranking = rankTargets(goal, profiles.get(table)!.columns);
      const got = ranking.verdict.kind === 'chosen' ? ranking.verdict.column : { ask: ranking.verdict.why };
      if (JSON.stringify(got) !== JSON.stringify(expected)) {
        wrong.push(
          `${table}: "${goal}" → ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}\n    ${ranking.verdict.kind === 'chosen' ? ranking.verdict.reason : ranking.verdict.message}\n    ${ranking.candidates
            .slice(0, 3)
            .map((c) => `${c.column} ${c.score}: ${c.reasons.join('; ')}`)
            .join('\n    ')}`,
        );
      }
    }
    assert.equal(wrong.length, 0, `${wrong.length} of ${GOAL_CASES.length} wrong:\n${wrong.join('\n')}`);
  });

  test('the reason names the winner, the runner-up and why', () => {
    const ranking = rankTargets('classify emails as spam or nonspam', profiles.get('spambase')!.columns);
    assert.equal(ranking.verdict.kind, 'chosen');
    if (ranking.verdict.kind !== 'chosen') return;
    assert.match(ranking.verdict.reason, /values are exactly "(spam|nonspam)" and "(spam|nonspam)"/);
    assert.match(ranking.verdict.reason, /runner-up "email"/);
    assert.match(ranking.verdict.reason, /poor answer to a classification/);
  });

  test('a question lists usable candidates only, the likeliest first, and never an ID or a constant', () => {
    const ranking = rankTargets('predict target', profiles.get('iris_constant_target')!.columns);
    assert.equal(ranking.verdict.kind, 'ask');
    assert.match(
      ranking.verdict.kind === 'ask' ? ranking.verdict.message : '',
      /"target", but it cannot be a target: it holds a single value/,
    );
    const usable = ranking.candidates.filter((c) => c.usable).map((c) => c.column);
    assert.ok(!usable.includes('target'));
    assert.deepEqual(
      new Set(usable),
      new Set(['Sepal.Length', 'Sepal.Width', 'Petal.Length', 'Petal.Width', 'Species']),
    );
    const ids = rankTargets('predict Id', profiles.get('breast_cancer')!.columns);
    assert.ok(!ids.candidates.some((c) => c.usable && c.column === 'Id'));
  });
});
