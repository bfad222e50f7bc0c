import type { ModelFamily } from '../family-types.ts';
import { classifier, kwargs } from '../python-literal.ts';
import { FOREST_DIMS } from './forest-dims.ts';

export const randomForest: ModelFamily = {
  id: 'random_forest',
  name: 'random forest',
  aliases: /\b(random ?forests?|rf)\b/,
  library: 'scikit-learn',
  onnx: true,
  rounds: 'n_estimators',
  kinds: {
    tabular: {
      label: 'random forest',
      script: {
        imports: (t) => [
          classifier(t)
            ? 'from sklearn.ensemble import RandomForestClassifier'
            : 'from sklearn.ensemble import RandomForestRegressor',
        ],
        estimator: (t, p) =>
          `${classifier(t) ? 'RandomForestClassifier' : 'RandomForestRegressor'}(${kwargs({ ...p, random_state: 'SEED', n_jobs: 2 }, ['SEED'])})`,
        encoding: 'ordinal',
        defaults: () => ({ n_estimators: 200, min_samples_leaf: 1, max_features: 'sqrt' }),
      },
      draft: { rank: 4, why: () => 'bagged trees are robust to noise and need little tuning' },
      tune: () => [
        { n_estimators: 500, max_features: 0.5, min_samples_leaf: 1 },
        { n_estimators: 500, max_features: 'sqrt', min_samples_leaf: 3 },
      ],
      search: {
        dims: () => FOREST_DIMS,
        start: { max_features: 0.5, min_samples_leaf: 1 },
        fixed: { n_estimators: 300 },
      },
      replaceRank: 3,
    },
  },
};
