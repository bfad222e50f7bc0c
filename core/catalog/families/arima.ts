import type { ModelFamily } from '../family-types.ts';
import { FORECAST_ARGS, moreKwargs } from '../python-literal.ts';

/** A statistical forecaster (statsforecast), built by the harness's StatsForecaster. */
export const arima: ModelFamily = {
  id: 'arima',
  name: 'AutoARIMA',
  aliases: /\b(auto ?arima|s?arima)\b/,
  library: 'statsforecast',
  onnx: false,
  kinds: {
    forecasting: {
      // A lags setting (tuning LightGBM's lags) means nothing to a statistical model.
      forecaster: ({ lags_factor: _lags, ...p }) =>
        `StatsForecaster(${FORECAST_ARGS}, kind="arima", positive=info["positive"]${moreKwargs(p)})`,
      label: 'AutoARIMA',
      draft: { rank: 4, why: () => 'AutoARIMA captures autocorrelation that smoothing misses' },
      tune: () => [{ approximation: false, stepwise: true }],
      replaceRank: 3,
    },
  },
};
