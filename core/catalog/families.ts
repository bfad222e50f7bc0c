import { baseline } from './families/baseline.ts';
import { ensemble } from './families/ensemble.ts';
import { arima } from './families/arima.ts';
import { ets } from './families/ets.ts';
import { extraTrees } from './families/extra-trees.ts';
import { histGb } from './families/hist-gb.ts';
import { lightgbm } from './families/lightgbm.ts';
import { linear } from './families/linear.ts';
import { randomForest } from './families/random-forest.ts';
import { theta } from './families/theta.ts';
import { xgboost } from './families/xgboost.ts';
import type { ModelFamily } from './family-types.ts';

export type {
  DraftContext,
  FamilyUse,
  ModelFamily,
  ScriptSpec,
  SearchDim,
  SearchSpace,
} from './family-types.ts';

/**
 * The one catalog of model families (docs/architecture.md, "The catalog of model families").
 * The heuristic playbook, the script writers, the LLM prompts, steering, the bot's help and the
 * renderers all read it, so they cannot disagree. A family is one file in core/catalog/families/
 * (its shape: core/catalog/family-types.ts), listed here; a tabular family's entry carries its
 * script spec too. test/family-catalog.test.ts fails when an entry is incomplete, and imports
 * every library below inside a real sandbox. The order matters: thread words are tried in it.
 */
export const FAMILY_CATALOG: readonly ModelFamily[] = [
  baseline,
  lightgbm,
  randomForest,
  extraTrees,
  linear,
  xgboost,
  histGb,
  ensemble,
  ets,
  theta,
  arima,
];
