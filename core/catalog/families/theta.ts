import type { ModelFamily } from '../family-types.ts';
import { FORECAST_ARGS, moreKwargs } from '../python-literal.ts';

/** A statistical forecaster (statsforecast), built by the harness's StatsForecaster. */
export const theta: ModelFamily = {
  id: 'theta',
  name: 'AutoTheta',
  aliases: /\b(theta)\b/,
  library: 'statsforecast',
  onnx: false,
  kinds: {
    forecasting: {
      // A lags setting (tuning LightGBM's lags) means nothing to a statistical model.
      forecaster: ({ lags_factor: _lags, ...p }) =>
        `StatsForecaster(${FORECAST_ARGS}, kind="theta", positive=info["positive"]${moreKwargs(p)})`,
      label: 'AutoTheta',
      draft: { rank: 3, why: () => 'Theta is a strong, cheap benchmark on monthly and quarterly series' },
      replaceRank: 1,
    },
  },
};
