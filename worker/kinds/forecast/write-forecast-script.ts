import { familyLabel } from '../../../core/catalog/family-lookup.ts';
import type { Recipe } from '../../../core/schemas/journal.ts';

/**
 * Turns a forecasting recipe into a whole `train.py`: load the training part of every series,
 * score the forecaster by rolling origin (the only CV the harness offers for time data), refit
 * on everything and save. Like the tabular writer, the script runs on its own.
 */

/** Folds of rolling-origin CV: three origins, each one horizon apart. */
export const FORECAST_FOLDS = 3;

function py(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number' || typeof value === 'string')
    return typeof value === 'string' ? JSON.stringify(value) : String(value);
  return JSON.stringify(value);
}

function kwargs(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `, ${k}=${py(v)}`)
    .join('');
}

/** The Python expression building one forecaster; `info` is forecast_info() in the script. */
export function forecasterExpression(recipe: Recipe): string {
  const common = 'info["frequency"], info["season_length"]';
  const { lags_factor: lagsFactor, ...params } = recipe.params as Record<string, unknown> & {
    lags_factor?: number;
  };
  switch (recipe.family) {
    case 'baseline':
      return `SeasonalNaive(${common})`;
    case 'ets':
    case 'theta':
    case 'arima':
      return `StatsForecaster(${common}, kind="${recipe.family}", positive=info["positive"]${kwargs(params)})`;
    case 'lightgbm': {
      const lags =
        typeof lagsFactor === 'number' ? `, lags=max(7, ${lagsFactor} * info["season_length"])` : '';
      return `LightGBMForecaster(${common}, positive=info["positive"], exog=info["exog"]${lags}${kwargs(params)})`;
    }
    default:
      throw new Error(`unknown forecasting family: ${recipe.family}`);
  }
}

export interface ForecastScriptInput {
  nodeId: string;
  operator: string;
  hypothesis: string;
  recipe: Recipe;
  members?: { id: string; recipe: Recipe }[];
}

export function writeForecastScript(input: ForecastScriptInput): string {
  const { recipe } = input;
  const isEnsemble = recipe.family === 'ensemble';
  const members = input.members ?? [];
  if (isEnsemble && members.length < 2) throw new Error('an ensemble needs at least two members');
  const lines = [
    '"""',
    `ouro experiment ${input.nodeId} (${input.operator}): ${familyLabel(recipe.family, 'forecast')}`,
    '',
    `Hypothesis: ${input.hypothesis}`,
    '',
    'Run it on its own with the ouro harness on PYTHONPATH:',
    '    OURO_DATA_DIR=path/to/run/workspace python train.py',
    '"""',
    'from ouro_harness import forecast_info, load_series, rolling_origin_cv, save_forecaster, write_metrics',
    'from ouro_harness.forecasters import EnsembleForecaster, LightGBMForecaster, SeasonalNaive, StatsForecaster',
    '',
    'info = forecast_info()',
    'series = load_series()',
    '',
  ];
  if (isEnsemble) {
    lines.push('model = EnsembleForecaster([');
    for (const m of members) lines.push(`    ${forecasterExpression(m.recipe)},  # as in ${m.id}`);
    lines.push('])');
  } else {
    lines.push(`model = ${forecasterExpression(recipe)}`);
  }
  lines.push(
    '',
    `scores = rolling_origin_cv(model, series, folds=${Math.min(recipe.folds, FORECAST_FOLDS)})`,
    'model.fit(series)',
    'save_forecaster(model, series)',
    'write_metrics(scores)',
    "print(f\"rolling-origin {scores['metric']} = {scores['mean']:.4f} +/- {scores['std']:.4f} over {scores['folds']} origins\")",
  );
  return lines.join('\n') + '\n';
}
