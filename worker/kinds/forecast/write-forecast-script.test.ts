import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Recipe } from '../../../core/schemas/journal.ts';
import { forecastKind } from './forecast-kind.ts';

const writeScript = forecastKind.writeScript;

const recipe = (family: string, params: Record<string, unknown> = {}): Recipe => ({
  family,
  params,
  guards: [],
  dropColumns: [],
  folds: 5,
  members: [],
});

test('each forecasting family renders a script that scores by rolling origin and saves a forecaster', () => {
  const expected: Record<string, RegExp> = {
    baseline: /model = SeasonalNaive\(info\["frequency"\], info\["season_length"\]\)/,
    ets: /StatsForecaster\(.*kind="ets", positive=info\["positive"\]\)/,
    theta: /kind="theta"/,
    arima: /kind="arima"/,
    lightgbm: /LightGBMForecaster\(.*exog=info\["exog"\]/,
  };
  for (const [family, pattern] of Object.entries(expected)) {
    const script = writeScript({
      nodeId: 'n1',
      operator: 'draft',
      hypothesis: 'h',
      task: 'forecast',
      recipe: recipe(family),
      rows: 100,
    });
    assert.match(script, pattern, family);
    assert.match(script, /rolling_origin_cv\(model, series, folds=3\)/);
    assert.match(script, /save_forecaster\(model, series\)/);
    assert.doesNotMatch(script, /load_train|cross_validate/);
  }
});

test('tuning parameters and ensembles reach the script', () => {
  const tuned = writeScript({
    nodeId: 'n7',
    operator: 'tune',
    hypothesis: 'h',
    task: 'forecast',
    recipe: recipe('lightgbm', { lags_factor: 2, num_leaves: 15 }),
    rows: 100,
  });
  assert.match(tuned, /lags=max\(7, 2 \* info\["season_length"\]\), num_leaves=15\)/);
  const damped = writeScript({
    nodeId: 'n8',
    operator: 'tune',
    hypothesis: 'h',
    task: 'forecast',
    recipe: recipe('ets', { damped: true }),
    rows: 100,
  });
  assert.match(damped, /damped=True/);
  const ens = writeScript({
    nodeId: 'n9',
    operator: 'ensemble',
    hypothesis: 'h',
    task: 'forecast',
    recipe: recipe('ensemble'),
    members: [
      { id: 'n2', recipe: recipe('ets') },
      { id: 'n3', recipe: recipe('theta') },
    ],
    rows: 100,
  });
  assert.match(ens, /EnsembleForecaster\(\[\n.*kind="ets".*# as in n2\n.*kind="theta".*# as in n3\n\]\)/);
  assert.throws(
    () =>
      writeScript({
        nodeId: 'n1',
        operator: 'draft',
        hypothesis: 'h',
        task: 'forecast',
        recipe: recipe('random_forest'),
        rows: 100,
      }),
    /unknown forecasting family/,
  );
});
