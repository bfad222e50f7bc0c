import type { ModelFamily } from '../family-types.ts';
import { classifier, FORECAST_ARGS, kwargs, moreKwargs } from '../python-literal.ts';

export const lightgbm: ModelFamily = {
  id: 'lightgbm',
  name: 'LightGBM',
  aliases: /\b(lightgbm|lgbm|gbm|gradient boosting|boosting)\b/,
  library: 'lightgbm',
  onnx: true,
  rounds: 'n_estimators',
  earlyStopping: true,
  kinds: {
    tabular: {
      label: 'LightGBM',
      script: {
        imports: (t) => [
          classifier(t) ? 'from lightgbm import LGBMClassifier' : 'from lightgbm import LGBMRegressor',
        ],
        estimator: (t, p) =>
          `${classifier(t) ? 'LGBMClassifier' : 'LGBMRegressor'}(${kwargs(
            { n_jobs: 'THREADS', ...p, random_state: 'SEED', verbose: -1 },
            ['SEED', 'THREADS'],
          )})`,
        encoding: 'ordinal',
        defaults: () => ({
          n_estimators: 300,
          learning_rate: 0.05,
          num_leaves: 31,
          min_child_samples: 20,
          subsample: 0.8,
          subsample_freq: 1,
          colsample_bytree: 0.8,
        }),
      },
      draft: {
        rank: 1,
        why: ({ rows }) =>
          `gradient boosting is usually the strongest family on tabular data; first because with early stopping it is also quick on ${rows} rows`,
      },
      tune: ({ rows }) =>
        rows < 3_000
          ? [
              {
                n_estimators: 500,
                learning_rate: 0.03,
                num_leaves: 7,
                min_child_samples: 10,
                reg_lambda: 1.0,
              },
              {
                n_estimators: 800,
                learning_rate: 0.02,
                num_leaves: 15,
                min_child_samples: 5,
                colsample_bytree: 0.6,
              },
              { n_estimators: 300, learning_rate: 0.05, num_leaves: 4, min_child_samples: 15 },
            ]
          : [
              { n_estimators: 600, learning_rate: 0.03, num_leaves: 31, min_child_samples: 20 },
              {
                n_estimators: 500,
                learning_rate: 0.05,
                num_leaves: 63,
                min_child_samples: 10,
                reg_lambda: 1.0,
              },
              { n_estimators: 900, learning_rate: 0.02, num_leaves: 15, min_child_samples: 30 },
            ],
      search: {
        dims: () => [
          { name: 'num_leaves', lo: 4, hi: 256, log: true, int: true },
          { name: 'learning_rate', lo: 0.01, hi: 0.3, log: true },
          { name: 'min_child_samples', lo: 2, hi: 100, log: true, int: true },
          { name: 'colsample_bytree', lo: 0.3, hi: 1 },
          { name: 'subsample', lo: 0.5, hi: 1 },
          { name: 'reg_lambda', lo: 0.001, hi: 10, log: true },
          { name: 'reg_alpha', lo: 0.001, hi: 1, log: true },
        ],
        start: {
          num_leaves: 31,
          learning_rate: 0.1,
          min_child_samples: 20,
          colsample_bytree: 0.8,
          subsample: 0.8,
          reg_lambda: 0.001,
          reg_alpha: 0.001,
        },
        fixed: { n_estimators: 3000, subsample_freq: 1 },
      },
      replaceRank: 1,
    },
    forecasting: {
      label: 'LightGBM (lags + calendar)',
      forecaster: ({ lags_factor: lagsFactor, ...params }) => {
        const lags =
          typeof lagsFactor === 'number' ? `, lags=max(7, ${lagsFactor} * info["season_length"])` : '';
        return `LightGBMForecaster(${FORECAST_ARGS}, positive=info["positive"], exog=info["exog"]${lags}${moreKwargs(params)})`;
      },
      draft: {
        rank: 5,
        why: () =>
          'gradient boosting on lags, rolling means and calendar features learns across series and from exogenous columns',
      },
      tune: () => [
        { n_estimators: 600, learning_rate: 0.03, num_leaves: 7, min_child_samples: 10 },
        { lags_factor: 2, n_estimators: 400, learning_rate: 0.05, num_leaves: 15 },
      ],
      replaceRank: 4,
    },
  },
};
