import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSteering } from './parse-steering.ts';

const columns = ['zip_code', 'price', 'Sq Ft', 'city'];

test('understands each kind of steering', () => {
  assert.deepEqual(parseSteering('exclude zip code', columns), [{ kind: 'exclude', column: 'zip_code' }]);
  assert.deepEqual(parseSteering("don't use the 'sq_ft' column", columns), [
    { kind: 'exclude', column: 'Sq Ft' },
  ]);
  assert.deepEqual(parseSteering('use MAE as the metric', columns), [{ kind: 'metric', metric: 'mae' }]);
  assert.deepEqual(parseSteering('optimize AUC', columns), [{ kind: 'metric', metric: 'roc_auc' }]);
  assert.deepEqual(parseSteering('try random forest', columns), [
    { kind: 'prefer', family: 'random_forest' },
  ]);
  assert.deepEqual(parseSteering('no linear models please', columns), [{ kind: 'forbid', family: 'linear' }]);
  assert.deepEqual(parseSteering('add 2 minutes', columns), [{ kind: 'budget', seconds: 120 }]);
  assert.deepEqual(parseSteering('extend the budget by 90s', columns), [{ kind: 'budget', seconds: 90 }]);
});

test('splits several instructions and names what it did not understand', () => {
  assert.deepEqual(parseSteering('drop city, avoid xgboost and give it 1m', columns), [
    { kind: 'exclude', column: 'city' },
    { kind: 'forbid', family: 'xgboost' },
    { kind: 'budget', seconds: 60 },
  ]);
  assert.deepEqual(parseSteering('make it better', columns), [{ kind: 'unknown', text: 'make it better' }]);
  // A column that does not exist is not silently accepted.
  assert.equal(parseSteering('exclude colour', columns)[0]?.kind, 'unknown');
});

test('understands the forecasting families and metrics', () => {
  assert.deepEqual(parseSteering('try exponential smoothing', columns), [{ kind: 'prefer', family: 'ets' }]);
  assert.deepEqual(parseSteering('avoid arima', columns), [{ kind: 'forbid', family: 'arima' }]);
  assert.deepEqual(parseSteering('try theta', columns), [{ kind: 'prefer', family: 'theta' }]);
  assert.deepEqual(parseSteering('use sMAPE', columns), [{ kind: 'metric', metric: 'smape' }]);
});
