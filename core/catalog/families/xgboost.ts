import type { ModelFamily } from '../family-types.ts';
import { classifier, kwargs } from '../python-literal.ts';

export const xgboost: ModelFamily = {
  id: 'xgboost',
  name: 'XGBoost',
  aliases: /\b(xgboost|xgb)\b/,
  library: 'xgboost-cpu',
  onnx: true,
  rounds: 'n_estimators',
  kinds: {
    tabular: {
      label: 'XGBoost',
      script: {
        imports: (t) => [
          classifier(t) ? 'from xgboost import XGBClassifier' : 'from xgboost import XGBRegressor',
        ],
        estimator: (t, p) =>
          `${classifier(t) ? 'XGBClassifier' : 'XGBRegressor'}(${kwargs(
            { n_jobs: 'THREADS', ...p, random_state: 'SEED' },
            ['SEED', 'THREADS'],
          )})`,
        encoding: 'ordinal',
        defaults: () => ({
          n_estimators: 300,
          learning_rate: 0.05,
          max_depth: 5,
          subsample: 0.8,
          colsample_bytree: 0.8,
          tree_method: 'hist',
        }),
        // XGBoost wants class labels 0..k-1.
        labelEncoded: true,
      },
      tune: () => [
        {
          n_estimators: 600,
          learning_rate: 0.03,
          max_depth: 4,
          subsample: 0.8,
          colsample_bytree: 0.7,
          tree_method: 'hist',
        },
      ],
    },
  },
};
