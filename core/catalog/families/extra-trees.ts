import type { ModelFamily } from '../family-types.ts';
import { classifier, kwargs } from '../python-literal.ts';
import { FOREST_DIMS } from './forest-dims.ts';

export const extraTrees: ModelFamily = {
  id: 'extra_trees',
  name: 'extra trees',
  aliases: /\b(extra ?trees|extratrees)\b/,
  library: 'scikit-learn',
  onnx: true,
  rounds: 'n_estimators',
  kinds: {
    tabular: {
      label: 'extra trees',
      script: {
        imports: (t) => [
          classifier(t)
            ? 'from sklearn.ensemble import ExtraTreesClassifier'
            : 'from sklearn.ensemble import ExtraTreesRegressor',
        ],
        estimator: (t, p) =>
          `${classifier(t) ? 'ExtraTreesClassifier' : 'ExtraTreesRegressor'}(${kwargs({ ...p, random_state: 'SEED', n_jobs: 2 }, ['SEED'])})`,
        encoding: 'ordinal',
        defaults: () => ({ n_estimators: 250, min_samples_leaf: 1, max_features: 0.7 }),
      },
      draft: {
        rank: 5,
        why: () => 'extra trees add variance reduction that often ensembles well with boosting',
        maxRows: 200_000,
      },
      tune: () => [
        { n_estimators: 600, max_features: 1.0, min_samples_leaf: 1 },
        { n_estimators: 600, max_features: 0.5, min_samples_leaf: 2 },
      ],
      search: {
        dims: () => FOREST_DIMS,
        start: { max_features: 0.7, min_samples_leaf: 1 },
        fixed: { n_estimators: 300 },
      },
      replaceRank: 4,
    },
  },
};
