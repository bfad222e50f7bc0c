import assert from 'node:assert/strict';
import { test } from 'node:test';
import { followUpOptions } from './follow-up.ts';

test("a challenger: the earlier options, what the message says over them, published under the champion's name", () => {
  const base = {
    budgetSeconds: 120,
    maxExperiments: 4,
    seed: 7,
    horizon: 12,
    target: 'churn',
    metric: 'roc_auc' as const,
  };
  const o = followUpOptions(
    { kind: 'challenge', goal: 'predict churn', champion: 'churn-model', base },
    { budgetSeconds: 600, name: 'something-else' },
  );
  assert.equal(o.budgetSeconds, 600);
  assert.equal(o.maxExperiments, 4);
  assert.equal(o.seed, 7);
  assert.equal(o.horizon, 12);
  assert.equal(o.target, 'churn');
  assert.equal(o.metric, 'roc_auc');
  assert.equal(o.champion, 'churn-model');
  assert.equal(o.name, 'churn-model');
  // `retrain with 10 minutes`: the budget said in the command wins.
  assert.equal(
    followUpOptions({ kind: 'challenge', goal: 'g', champion: 'm', base }, {}, 600).budgetSeconds,
    600,
  );
  // Nothing to challenge: a plain run, no champion.
  const fresh = followUpOptions(
    { kind: 'fresh', goal: 'g', base: { budgetSeconds: 90 } },
    { maxExperiments: 2 },
  );
  assert.equal(fresh.champion, undefined);
  assert.equal(fresh.budgetSeconds, 90);
  assert.equal(fresh.maxExperiments, 2);
});
