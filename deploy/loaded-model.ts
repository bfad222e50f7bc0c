/** One loaded version of a registry model, as the host serves it (deploy/model-host.ts). */
import type { ModelCard } from '../core/schemas/model-card.ts';
import type { FeatureSpec } from './clean-values.ts';
import type { HoldoutCharts } from './holdout-charts.ts';
import type { Importance } from './importance.ts';
import type { Serving } from './serving-files.ts';
import type { Predictor } from './predictors/predictor.ts';
import type { PooledModel } from './predictors/pooled-model.ts';
import type { SearchSummary } from './search-chart.ts';
import type { Signature } from './signature.ts';
import type { CompiledInput } from './validate-request.ts';

export interface LoadedModel {
  name: string;
  version: number;
  card: ModelCard;
  signature: Signature;
  features: FeatureSpec[];
  inputs: CompiledInput[];
  serving: Serving;
  /** Permutation importance on the holdout: null until computed, in the background once the version serves (needs the run's holdout and labels). */
  importance: Importance | null;
  /** Holdout ROC/PR, confusion matrix or predicted vs actual, from the same step. */
  holdoutCharts: HoldoutCharts | null;
  /** Per input column, what the preprocessing does (from the export step; null before it recorded it). */
  preprocessing: Record<string, string[]> | null;
  /** Every experiment's score, from the run's journal (null where the run folder is not on this host). */
  search: SearchSummary | null;
  /** The path actually serving (OURO_SERVE_ONNX=off forces Python whatever serving.json says). */
  path: 'onnx' | 'python';
  pathReason: string;
  predictor: Predictor;
  /** The model on the Python path, for `?explain=true` whatever path serves it (null for forecasters); loads on first use. */
  explainer: PooledModel | null;
  loadedAt: string;
}

/** Frees a version's predictor and, when it is a different thing, its explainer's Python copy. */
export async function closeModel(m: LoadedModel): Promise<void> {
  await m.predictor.close();
  if (m.explainer !== null && (m.explainer as unknown) !== m.predictor) await m.explainer.close();
}
