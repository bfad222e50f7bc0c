import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWorkKind, routeGoal, type WorkKind } from './route-goal.ts';

// Goals as people type them, with the kind of work each asks for.
const CASES: [string, WorkKind][] = [
  ['what drives churn?', 'analysis'],
  ['What drives customer churn', 'analysis'],
  ['how did sales change by region?', 'analysis'],
  ['analyze this', 'analysis'],
  ['look at this', 'analysis'],
  ['', 'analysis'],
  ['here you go, check this out', 'analysis'],
  ['is this segment different from the others?', 'analysis'],
  ['churn rate by contract', 'analysis'],
  ['which factors affect compressive strength', 'analysis'],
  ['why do customers leave?', 'analysis'],
  ['data quality check please', 'analysis'],
  ['predict churn', 'model'],
  ['predict churn and explain what drives it', 'model'],
  ['classify the species', 'model'],
  ['build me a model for price', 'model'],
  ['will the customer churn?', 'model'],
  ['diabetes', 'model'],
  ['forecast passengers for the next 12 months', 'forecast'],
  ['production for the next 8 quarters', 'forecast'],
  ['will they churn in the next 3 months', 'model'],
  ['make 500 synthetic rows', 'synthesize'],
  ['generate 1000 rows like these', 'synthesize'],
  ['more examples of the rare class', 'synthesize'],
  ['anonymise this table', 'synthesize'],
  ['I need test data for staging', 'synthesize'],
];

test('the router reads the kind of work from the goal, with a reason', () => {
  const wrong: string[] = [];
  for (const [goal, kind] of CASES) {
    const r = routeGoal(goal);
    if (r.kind !== kind) wrong.push(`"${goal}": ${r.kind} (${r.reason}), expected ${kind}`);
    assert.ok(r.reason.length > 10, r.reason);
  }
  assert.deepEqual(wrong, []);
});

test('--kind overrides the words, and says so', () => {
  const r = routeGoal('what drives churn?', 'model');
  assert.equal(r.kind, 'model');
  assert.match(r.reason, /--kind model/);
  assert.equal(parseWorkKind('report'), 'analysis');
  assert.equal(parseWorkKind('synth'), 'synthesize');
  assert.equal(parseWorkKind('banana'), null);
});
