import type { ModelFamily } from '../family-types.ts';
import { FORECAST_ARGS, moreKwargs } from '../python-literal.ts';

/** A statistical forecaster (statsforecast), built by the harness's StatsForecaster. */
export const ets: ModelFamily = {
  id: 'ets',
  name: 'AutoETS',
  aliases: /\b(ets|exponential smoothing|holt[ -]?winters?)\b/,
  library: 'statsforecast',
  onnx: false,
  kinds: {
    forecasting: {
      // A lags setting (tuning LightGBM's lags) means nothing to a statistical model.
      forecaster: ({ lags_factor: _lags, ...p }) =>
        `StatsForecaster(${FORECAST_ARGS}, kind="ets", positive=info["positive"]${moreKwargs(p)})`,
      label: 'AutoETS',
      draft: {
        rank: 2,
        why: () =>
          'exponential smoothing (AutoETS) picks level, trend and season forms by AICc and gives intervals',
      },
      tune: () => [{ damped: true }],
      replaceRank: 2,
    },
  },
};
