import type { ModelFamily } from '../family-types.ts';

/** A statistical forecaster (statsforecast); its script recipe is a case of `forecasterExpression`
 * in worker/kinds/forecast/write-forecast-script.ts. */
export const ets: ModelFamily = {
  id: 'ets',
  name: 'AutoETS',
  aliases: /\b(ets|exponential smoothing|holt[ -]?winters?)\b/,
  library: 'statsforecast',
  onnx: false,
  kinds: {
    forecasting: {
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
