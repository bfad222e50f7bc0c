import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePredictCommand } from './parse-predict.ts';

test('/predict: list, describe, JSON rows, key=value pairs, --share, and errors that name the problem', () => {
  assert.deepEqual(parsePredictCommand(''), { kind: 'list', share: false });
  assert.deepEqual(parsePredictCommand('churn'), { kind: 'describe', model: 'churn', share: false });
  assert.deepEqual(parsePredictCommand('churn {"age": 41, "plan": "pro"}'), {
    kind: 'predict',
    model: 'churn',
    rows: [{ age: 41, plan: 'pro' }],
    share: false,
  });
  assert.deepEqual(parsePredictCommand('churn [{"a": 1}, {"a": 2}] --share'), {
    kind: 'predict',
    model: 'churn',
    rows: [{ a: 1 }, { a: 2 }],
    share: true,
  });
  assert.deepEqual(
    parsePredictCommand("churn --share age=41 plan=“pro plus” city='Saint Malo' note= fee=$1,200"),
    {
      kind: 'predict',
      model: 'churn',
      rows: [{ age: '41', plan: 'pro plus', city: 'Saint Malo', note: null, fee: '$1,200' }],
      share: true,
    },
  );
  assert.deepEqual(parsePredictCommand('key churn'), { kind: 'key', model: 'churn' });
  assert.deepEqual(parsePredictCommand('churn key'), { kind: 'key', model: 'churn' });
  const notJson = parsePredictCommand('churn {"age": 41');
  assert.ok(notJson.kind === 'error' && /not valid JSON/.test(notJson.message));
  const stray = parsePredictCommand('churn age=41 oops');
  assert.ok(stray.kind === 'error' && /could not read `oops`/.test(stray.message));
  const name = parsePredictCommand('Churn!! a=1');
  assert.ok(name.kind === 'error' && /not a model name/.test(name.message));
});
