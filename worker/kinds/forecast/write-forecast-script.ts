import { familyLabel, familyUse } from '../../../core/catalog/family-lookup.ts';
import type { Recipe } from '../../../core/schemas/journal.ts';

/**
 * Turns a forecasting recipe into a whole `train.py`: load the training part of every series,
 * score the forecaster by rolling origin (the only CV the harness offers for time data), refit
 * on everything and save. Like the tabular writer, the script runs on its own.
 */

/** Folds of rolling-origin CV: three origins, each one horizon apart. */
export const FORECAST_FOLDS = 3;

/** The Python expression building one forecaster: the catalog entry's `forecaster` (core/catalog). */
export function forecasterExpression(recipe: Recipe): string {
  const build = familyUse(recipe.family, 'forecasting')?.forecaster;
  if (build === undefined) throw new Error(`unknown forecasting family: ${recipe.family}`);
  return build(recipe.params);
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
