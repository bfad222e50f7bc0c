import type { ModelFamily } from '../family-types.ts';
import { classifier, kwargs } from '../python-literal.ts';

export const histGb: ModelFamily = {
  id: 'hist_gb',
  name: 'histogram gradient boosting',
  aliases: /\b(hist(ogram)?[ _-]?(gb|gradient boosting)?)\b/,
  library: 'scikit-learn',
  onnx: true,
  rounds: 'max_iter',
  kinds: {
    // Not drafted by default: it adds little beside LightGBM in a blend, and its OpenMP
    // threads made it the slowest draft on small tables (55 s for 275 rows on 2 busy cores).
    tabular: {
      label: 'histogram gradient boosting',
      script: {
        imports: (t) => [
          classifier(t)
            ? 'from sklearn.ensemble import HistGradientBoostingClassifier'
            : 'from sklearn.ensemble import HistGradientBoostingRegressor',
        ],
        estimator: (t, p) =>
          `${classifier(t) ? 'HistGradientBoostingClassifier' : 'HistGradientBoostingRegressor'}(${kwargs({ ...p, random_state: 'SEED' }, ['SEED'])})`,
        encoding: 'ordinal',
        defaults: () => ({ max_iter: 300, learning_rate: 0.06 }),
      },
      tune: () => [
        { max_iter: 500, learning_rate: 0.03, max_leaf_nodes: 15, l2_regularization: 1.0 },
        { max_iter: 300, learning_rate: 0.08, max_leaf_nodes: 7 },
      ],
      replaceRank: 2,
    },
  },
};
