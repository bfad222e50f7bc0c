import type { ModelFamily } from '../family-types.ts';

/** A blend of other experiments: the script writers build it from its members' recipes. */
export const ensemble: ModelFamily = {
  id: 'ensemble',
  name: 'ensemble',
  aliases: /\b(ensembles?|blend(ing)?|voting)\b/,
  library: 'scikit-learn',
  onnx: true,
  blend: true,
  kinds: { tabular: { label: 'ensemble' }, forecasting: { label: 'forecast ensemble' } },
};
