import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recipeOf } from './llm-brain.ts';

test('the journal recipe of an LLM script is read from the script itself', () => {
  const script = `from sklearn.impute import SimpleImputer
from sklearn.preprocessing import OneHotEncoder
from ouro_harness import LabelEncoded, load_train, cross_validate, save_model, write_metrics
X, y = load_train(drop=["customer_id", 'notes'], max_rows=5000)
pre = OneHotEncoder(handle_unknown="ignore", sparse_output=True)
scores = cross_validate(model, X, y, folds=3)
`;
  const r = recipeOf(script, 'xgboost', [{ name: 'n_estimators', value: '300' }, { name: 'learning_rate', value: '0.05' }, { name: 'tree_method', value: '"hist"' }, { name: 'bad name', value: '1' }], []);
  assert.deepEqual(r, {
    family: 'xgboost',
    params: { n_estimators: 300, learning_rate: 0.05, tree_method: 'hist' },
    guards: ['impute', 'encode', 'handle_unknown', 'sparse', 'label_encode'],
    dropColumns: ['customer_id', 'notes'],
    maxRows: 5000,
    folds: 3,
    members: [],
  });
  assert.equal(recipeOf('X, y = load_train()\ncross_validate(m, X, y, folds=50)', 'linear', [], []).folds, 10);
});
