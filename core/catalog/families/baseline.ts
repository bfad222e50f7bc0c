import type { ModelFamily } from '../family-types.ts';
import { classifier, FORECAST_ARGS, kwargs } from '../python-literal.ts';

export const baseline: ModelFamily = {
  id: 'baseline',
  name: 'baseline',
  library: 'scikit-learn',
  onnx: true,
  kinds: {
    tabular: {
      label: 'baseline (predict the prior or the mean)',
      script: {
        imports: (t) => [
          classifier(t)
            ? 'from sklearn.dummy import DummyClassifier'
            : 'from sklearn.dummy import DummyRegressor',
        ],
        estimator: (t, p) =>
          classifier(t)
            ? `DummyClassifier(${kwargs({ strategy: 'prior', ...p })})`
            : `DummyRegressor(${kwargs({ strategy: 'mean', ...p })})`,
        encoding: 'none',
        defaults: () => ({}),
      },
      draft: {
        rank: 3,
        why: ({ task }) =>
          `the floor every model must beat: predict the training ${classifier(task) ? 'prior' : 'mean'}`,
      },
    },
    forecasting: {
      label: 'seasonal naive',
      forecaster: () => `SeasonalNaive(${FORECAST_ARGS})`,
      draft: {
        rank: 1,
        why: () => 'the floor every forecast must beat: repeat the last season (seasonal naive)',
      },
    },
  },
};
