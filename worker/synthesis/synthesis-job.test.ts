import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RunRequestSchema } from '../../core/schemas/run-request.ts';
import { wantsSynthesisJob } from './synthesis-job.ts';

const request = (goal: string, kind?: 'model' | 'synthesize') =>
  RunRequestSchema.parse({
    runId: 'r-test-1',
    dataset: { ref: 'uploads/x.csv', filename: 'x.csv' },
    goal,
    options: {},
    ...(kind ? { kind } : {}),
  });

test('the worker runs synthesis for kind "synthesize", and for goals that plainly ask for made-up rows', () => {
  assert.equal(wantsSynthesisJob(request('anything', 'synthesize')), true);
  assert.equal(
    wantsSynthesisJob(request('make synthetic rows like this', 'model')),
    false,
    'an explicit kind wins',
  );
  assert.equal(wantsSynthesisJob(request('make 5,000 synthetic rows like this I can share')), true);
  assert.equal(wantsSynthesisJob(request('I need test data for the new pipeline')), true);
  assert.equal(wantsSynthesisJob(request('more examples of the rare class')), true);
  assert.equal(wantsSynthesisJob(request('predict churn')), false);
  assert.equal(
    wantsSynthesisJob(request('predict churn; oversample the minority class if it helps')),
    false,
    'a prediction goal stays a model run',
  );
});
