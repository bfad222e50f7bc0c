import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RunRequestSchema, WorkKindSchema, type WorkKind } from '../../core/schemas/run-request.ts';
import { kindOfWork, workKindOf } from './work-kinds.ts';

const request = (goal: string, kind?: WorkKind) =>
  RunRequestSchema.parse({
    runId: 'r-test-1',
    dataset: { ref: 'uploads/x.csv', filename: 'x.csv' },
    goal,
    options: {},
    ...(kind ? { kind } : {}),
  });

test('every kind of work has an entry that says what it publishes', () => {
  const publishes = Object.fromEntries(
    WorkKindSchema.options.map((k) => [k, kindOfWork(request('anything', k)).publishes]),
  );
  assert.deepEqual(publishes, {
    model: 'model',
    forecast: 'model',
    analysis: 'report',
    synthesize: 'dataset',
  });
  for (const k of WorkKindSchema.options) assert.equal(kindOfWork(request('anything', k)).id, k);
});

test('a request that says its kind gets it, whatever the goal says', () => {
  assert.equal(workKindOf(request('make 500 synthetic rows', 'analysis')), 'analysis');
  assert.equal(workKindOf(request('what drives churn?', 'synthesize')), 'synthesize');
  assert.equal(workKindOf(request('what drives churn?', 'model')), 'model');
});

test('a request without a kind is routed as the worker always routed it', () => {
  assert.equal(workKindOf(request('make 5,000 synthetic rows like this I can share')), 'synthesize');
  assert.equal(workKindOf(request('what drives churn?')), 'analysis');
  assert.equal(workKindOf(request('predict churn')), 'model');
  assert.equal(workKindOf(request('forecast sales for the next 3 months')), 'forecast');
  // The goal router reads rows wanted here, but a goal that asks to predict stays a model run.
  assert.equal(workKindOf(request('predict churn; oversample the minority class if it helps')), 'model');
});
