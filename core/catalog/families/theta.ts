import type { ModelFamily } from '../family-types.ts';

/** A statistical forecaster (statsforecast); its script recipe is a case of `forecasterExpression`
 * in worker/kinds/forecast/write-forecast-script.ts. */
export const theta: ModelFamily = {
  id: 'theta',
  name: 'AutoTheta',
  aliases: /\b(theta)\b/,
  library: 'statsforecast',
  onnx: false,
  kinds: {
    forecasting: {
      label: 'AutoTheta',
      draft: { rank: 3, why: () => 'Theta is a strong, cheap benchmark on monthly and quarterly series' },
      replaceRank: 1,
    },
  },
};
