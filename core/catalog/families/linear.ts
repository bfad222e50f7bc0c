import type { ModelFamily } from '../family-types.ts';
import { classifier, kwargs } from '../python-literal.ts';

export const linear: ModelFamily = {
  id: 'linear',
  name: 'linear model',
  aliases: /\b(linear|logistic( regression)?|ridge|regression models?)\b/,
  library: 'scikit-learn',
  onnx: true,
  kinds: {
    tabular: {
      label: 'linear model',
      script: {
        imports: (t) => [
          classifier(t)
            ? 'from sklearn.linear_model import LogisticRegression'
            : 'from sklearn.linear_model import Ridge',
        ],
        estimator: (t, p) => (classifier(t) ? `LogisticRegression(${kwargs(p)})` : `Ridge(${kwargs(p)})`),
        encoding: 'onehot',
        defaults: (t) => (classifier(t) ? { C: 1.0, max_iter: 2000 } : { alpha: 1.0 }),
      },
      draft: {
        rank: 2,
        why: ({ task }) =>
          classifier(task)
            ? 'logistic regression shows how much of the signal is linear, and is well calibrated'
            : 'ridge regression shows how much of the signal is linear',
      },
      tune: ({ task }) =>
        classifier(task)
          ? [
              { C: 0.1, max_iter: 2000 },
              { C: 10.0, max_iter: 4000 },
            ]
          : [{ alpha: 10.0 }, { alpha: 0.1 }],
      search: {
        dims: (isClassifier) =>
          isClassifier
            ? [{ name: 'C', lo: 0.001, hi: 100, log: true }]
            : [{ name: 'alpha', lo: 0.001, hi: 1000, log: true }],
        start: { C: 1, alpha: 1 },
        fixed: {},
      },
      replaceRank: 5,
    },
  },
};
