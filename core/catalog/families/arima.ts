import type { ModelFamily } from '../family-types.ts';

/** A statistical forecaster (statsforecast); its script recipe is a case of `forecasterExpression`
 * in worker/kinds/forecast/write-forecast-script.ts. */
export const arima: ModelFamily = {
  id: 'arima',
  name: 'AutoARIMA',
  aliases: /\b(auto ?arima|s?arima)\b/,
  library: 'statsforecast',
  onnx: false,
  kinds: {
    forecasting: {
      label: 'AutoARIMA',
      draft: { rank: 4, why: () => 'AutoARIMA captures autocorrelation that smoothing misses' },
      tune: () => [{ approximation: false, stepwise: true }],
      replaceRank: 3,
    },
  },
};
