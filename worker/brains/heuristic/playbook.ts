import type { Task } from '../../../core/schemas/task.ts';

/** The expert playbook's knowledge, kept apart from the decision logic that walks it. */

export interface FamilyIdea {
  family: string;
  why: string;
}

/** Forecasting families, in order: the seasonal naive floor, the statistical classics, boosting. */
export const FORECAST_FAMILIES: readonly FamilyIdea[] = [
  { family: 'baseline', why: 'the floor every forecast must beat: repeat the last season (seasonal naive)' },
  { family: 'ets', why: 'exponential smoothing (AutoETS) picks level, trend and season forms by AICc and gives intervals' },
  { family: 'theta', why: 'Theta is a strong, cheap benchmark on monthly and quarterly series' },
  { family: 'arima', why: 'AutoARIMA captures autocorrelation that smoothing misses' },
  { family: 'lightgbm', why: 'gradient boosting on lags, rolling means and calendar features learns across series and from exogenous columns' },
];

/**
 * Families to draft, in order, for a table of this size. Useful first: the first experiment is
 * the family most likely to be good and cheap (LightGBM with early stopping: on the bundled
 * tables it is never far from the best single model and takes a few seconds), so a short
 * budget still ends with a real model; the linear model, as cheap and often the best on small
 * tables, second. The baseline comes third: it is the floor the later drafts are checked
 * against, and nobody wants it deployed.
 */
export function draftFamilies(task: Task, rows: number): FamilyIdea[] {
  if (task === 'forecast') return [...FORECAST_FAMILIES];
  const ideas: FamilyIdea[] = [
    { family: 'lightgbm', why: `gradient boosting is usually the strongest family on tabular data; first because with early stopping it is also quick on ${rows} rows` },
    {
      family: 'linear',
      why: task === 'regression' ? 'ridge regression shows how much of the signal is linear' : 'logistic regression shows how much of the signal is linear, and is well calibrated',
    },
    { family: 'baseline', why: `the floor every model must beat: predict the training ${task === 'regression' ? 'mean' : 'prior'}` },
    { family: 'random_forest', why: 'bagged trees are robust to noise and need little tuning' },
  ];
  if (rows <= 200_000) ideas.push({ family: 'extra_trees', why: 'extra trees add variance reduction that often ensembles well with boosting' });
  // No second booster (hist_gb) by default: it adds little beside LightGBM in a blend, and its
  // OpenMP threads made it the slowest draft on small tables (55 s for 275 rows on 2 busy cores).
  return ideas;
}

/** Parameter variants to try when tuning a family, most promising first. */
export function tuneVariants(family: string, task: Task, rows: number): Record<string, unknown>[] {
  if (task === 'forecast') return forecastVariants(family);
  const small = rows < 3_000;
  switch (family) {
    case 'lightgbm':
      return small
        ? [
            { n_estimators: 500, learning_rate: 0.03, num_leaves: 7, min_child_samples: 10, reg_lambda: 1.0 },
            { n_estimators: 800, learning_rate: 0.02, num_leaves: 15, min_child_samples: 5, colsample_bytree: 0.6 },
            { n_estimators: 300, learning_rate: 0.05, num_leaves: 4, min_child_samples: 15 },
          ]
        : [
            { n_estimators: 600, learning_rate: 0.03, num_leaves: 31, min_child_samples: 20 },
            { n_estimators: 500, learning_rate: 0.05, num_leaves: 63, min_child_samples: 10, reg_lambda: 1.0 },
            { n_estimators: 900, learning_rate: 0.02, num_leaves: 15, min_child_samples: 30 },
          ];
    case 'random_forest':
      return [
        { n_estimators: 500, max_features: 0.5, min_samples_leaf: 1 },
        { n_estimators: 500, max_features: 'sqrt', min_samples_leaf: 3 },
      ];
    case 'extra_trees':
      return [
        { n_estimators: 600, max_features: 1.0, min_samples_leaf: 1 },
        { n_estimators: 600, max_features: 0.5, min_samples_leaf: 2 },
      ];
    case 'linear':
      return task === 'regression' ? [{ alpha: 10.0 }, { alpha: 0.1 }] : [{ C: 0.1, max_iter: 2000 }, { C: 10.0, max_iter: 4000 }];
    case 'hist_gb':
      return [
        { max_iter: 500, learning_rate: 0.03, max_leaf_nodes: 15, l2_regularization: 1.0 },
        { max_iter: 300, learning_rate: 0.08, max_leaf_nodes: 7 },
      ];
    case 'xgboost':
      return [{ n_estimators: 600, learning_rate: 0.03, max_depth: 4, subsample: 0.8, colsample_bytree: 0.7, tree_method: 'hist' }];
    default:
      return [];
  }
}

function forecastVariants(family: string): Record<string, unknown>[] {
  switch (family) {
    case 'ets':
      return [{ damped: true }];
    case 'arima':
      return [{ approximation: false, stepwise: true }];
    case 'lightgbm':
      return [
        { n_estimators: 600, learning_rate: 0.03, num_leaves: 7, min_child_samples: 10 },
        { lags_factor: 2, n_estimators: 400, learning_rate: 0.05, num_leaves: 15 },
      ];
    default:
      return [];
  }
}

/** A family to switch to when one cannot run here (import) or learns nothing (degenerate). */
export function replacementFamily(failed: string, tried: ReadonlySet<string>, task?: Task): string {
  if (task === 'forecast') {
    const options = ['theta', 'ets', 'arima', 'lightgbm'];
    return options.find((f) => f !== failed && !tried.has(f)) ?? (failed === 'theta' ? 'ets' : 'theta');
  }
  const order = ['lightgbm', 'hist_gb', 'random_forest', 'extra_trees', 'linear'];
  return order.find((f) => f !== failed && !tried.has(f)) ?? (failed === 'lightgbm' ? 'hist_gb' : 'lightgbm');
}
