import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstRound, renderGenerateScript, revise, type Judged } from './generators.ts';

const judged = (over: Partial<Judged> & { spec: Judged['spec'] }): Judged => ({
  score: 0.9,
  utility: 0.95,
  dcrRatio: 1.1,
  copiesDropped: 0,
  discriminatorAuc: 0.55,
  ...over,
});

test('the first round has the floor and the relation-keeping families; SMOTE only to augment classes', () => {
  assert.deepEqual(
    firstRound('stand-in', true).map((s) => s.family),
    ['marginals', 'copula', 'cart', 'bayes_net'],
  );
  assert.deepEqual(
    firstRound('augment', true).map((s) => s.family),
    ['marginals', 'copula', 'cart', 'bayes_net', 'smote'],
  );
  assert.deepEqual(
    firstRound('augment', false).map((s) => s.family),
    ['marginals', 'copula', 'cart', 'bayes_net'],
  );
});

test('a leader too close to real rows is made smoother; one that is never tried twice', () => {
  const cart = { id: 'g3', family: 'cart' as const, params: { min_leaf: 5, smooth: 0.5 }, why: '' };
  const close = revise(judged({ spec: cart, dcrRatio: 0.7 }), 'stand-in', 'g5', [cart]);
  assert.deepEqual(close?.params, { min_leaf: 10, smooth: 1 });
  assert.equal(close?.parent, 'g3');
  const weak = revise(judged({ spec: cart, utility: 0.7 }), 'stand-in', 'g5', [cart]);
  assert.deepEqual(weak?.params, { min_leaf: 2, smooth: 0.5 });
  const first = revise(judged({ spec: cart }), 'stand-in', 'g5', [cart])!;
  const second = revise(judged({ spec: cart }), 'stand-in', 'g6', [cart, first])!;
  assert.notDeepEqual(second.params, first.params);
  assert.equal(revise(judged({ spec: cart }), 'stand-in', 'g7', [cart, first, second]), null);
  assert.equal(
    revise(judged({ spec: { id: 'g2', family: 'copula', params: {}, why: '' } }), 'stand-in', 'g5', []),
    null,
  );
});

test('generate.py is a whole script: seed, rows, the condition and the sampler with its settings', () => {
  const script = renderGenerateScript(
    { id: 'g5', family: 'smote', params: { k_neighbors: 3, variant: 'borderline' }, why: 'x' },
    { rows: 120, seed: 7, condition: { churn: 'yes' }, purpose: 'augment' },
  );
  assert.match(script, /from ouro_harness\.synth import load_real, finish, sample_smote/);
  assert.match(script, /SEED = 7\nROWS = 120\nCONDITION = \{"churn": "yes"\}/);
  assert.match(
    script,
    /sample_smote\(real, meta, args\.rows, seed=SEED, condition=CONDITION, k_neighbors=3, variant="borderline"\)/,
  );
  assert.match(script, /if __name__ == '__main__':/);
});
