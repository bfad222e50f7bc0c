import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ColumnProfile } from '../../core/schemas/profile.ts';
import { chooseMetric, chooseTarget, inferTask, TargetQuestionError } from './understand-goal.ts';

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

/** Columns as the profiler describes them: numbers with many values unless said otherwise. */
const cols = (...names: string[]): ColumnProfile[] => names.map((name) => col({ name }));

test('finds the target named in the goal, ignoring case, spaces and underscores', () => {
  const c = cols('cement', 'water', 'compressive_strength');
  assert.equal(chooseTarget('predict Compressive Strength', c).column, 'compressive_strength');
  assert.equal(chooseTarget('what drives the COMPRESSIVE-STRENGTH?', c).column, 'compressive_strength');
});

test('prefers the longest column name contained in the goal', () => {
  assert.equal(chooseTarget('predict sale price', cols('price', 'sale_price', 'sqft')).column, 'sale_price');
});

test('matches word stems ("strengths" → compressive_strength)', () => {
  const churn = [
    col({ name: 'tenure' }),
    col({ name: 'Churn', unique: 2, stored: 'string', meant: 'categorical', samples: ['Yes', 'No'] }),
    col({ name: 'plan', unique: 3, stored: 'string', meant: 'categorical', samples: ['a', 'b', 'c'] }),
  ];
  assert.equal(chooseTarget('which customers churned last quarter', churn).column, 'Churn');
  const choice = chooseTarget(
    'predict the strengths of concrete',
    cols('cement', 'age', 'compressive_strength'),
  );
  assert.equal(choice.column, 'compressive_strength');
  assert.match(choice.reason, /strengths/);
});

test('a goal that names nothing is a question; with --yes the last column, said loudly', () => {
  const c = cols('a', 'b', 'label_col');
  assert.throws(
    () => chooseTarget('build me a model', c),
    (err: unknown) =>
      err instanceof TargetQuestionError &&
      err.question.why === 'nothing_named' &&
      err.question.candidates[0]?.column === 'label_col',
  );
  const choice = chooseTarget('build me a model', c, { assumeYes: true });
  assert.equal(choice.column, 'label_col');
  assert.equal(choice.assumed, true);
  assert.match(choice.reason, /--yes: nothing in the goal names a column, so I took the last column/);
});

test('--target overrides the goal and rejects unknown columns with the list', () => {
  assert.equal(
    chooseTarget('predict price', cols('price', 'Sold Flag'), { explicit: 'sold_flag' }).column,
    'Sold Flag',
  );
  assert.throws(
    () => chooseTarget('predict price', cols('price'), { explicit: 'nope' }),
    /not a column.*"price"/s,
  );
});

test('infers binary, multiclass and regression from the target profile', () => {
  assert.equal(
    inferTask('predict it', col({ unique: 2, stored: 'string', meant: 'categorical' }), 500).task,
    'binary',
  );
  assert.equal(
    inferTask('predict species', col({ unique: 3, stored: 'string', meant: 'categorical' }), 344).task,
    'multiclass',
  );
  assert.equal(inferTask('predict strength', col({ unique: 900, stored: 'float' }), 1000).task, 'regression');
  assert.equal(
    inferTask('predict rating', col({ unique: 5, samples: ['1', '2', '5'] }), 1000).task,
    'multiclass',
  );
  assert.equal(
    inferTask('how much will it cost', col({ unique: 5, samples: ['1', '2', '5'] }), 1000).task,
    'regression',
  );
});

test('refuses a constant target and a free-text target with a clear message', () => {
  assert.throws(() => inferTask('predict x', col({ unique: 1 }), 100), /single value/);
  assert.throws(
    () => inferTask('predict x', col({ unique: 5000, stored: 'string', meant: 'text' }), 6000),
    /too many classes/,
  );
});

test('default metrics per task and overrides that must fit the task', () => {
  assert.equal(chooseMetric('binary').metric, 'roc_auc');
  assert.equal(chooseMetric('multiclass').metric, 'log_loss');
  assert.equal(chooseMetric('regression').metric, 'rmse');
  assert.equal(chooseMetric('regression', 'mae').metric, 'mae');
  assert.throws(() => chooseMetric('regression', 'roc_auc'), /does not fit a regression task/);
});
