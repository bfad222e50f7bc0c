import type { Logger } from '../core/logger.ts';
import type { ModelCard } from '../core/schemas/model-card.ts';
import type { SandboxDriver, SandboxLimits } from '../sandbox/driver.ts';
import type { HoldoutCharts } from './holdout-charts.ts';
import type { Importance } from './importance.ts';
import type { Serving } from './prepare-serving.ts';
import type { Signature } from './signature.ts';
import type { CompiledInput } from './validate-request.ts';
import { readCard } from '../core/registry.ts';
import { taskTraits } from '../core/schemas/task.ts';
import type { FeatureSpec } from './clean-values.ts';
import { OnnxPredictor } from './predictors/onnx-predictor.ts';
import type { Predictor } from './predictors/predictor.ts';
import { PythonPool } from './predictors/python-pool.ts';
import { prepareServing, readHoldoutCharts, readImportance, servingPaths } from './prepare-serving.ts';
import { readSignature } from './signature.ts';
import { compileInputs } from './validate-request.ts';

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
  /** The path actually serving (OURO_SERVE_ONNX=off forces Python whatever serving.json says). */
  path: 'onnx' | 'python';
  pathReason: string;
  predictor: Predictor;
  loadedAt: string;
}

export interface ModelHostOptions {
  home: string;
  driver: SandboxDriver;
  limits: SandboxLimits;
  logger: Logger;
  onnx: 'auto' | 'off';
  workers: number;
  pollMs?: number;
  graceMs?: number;
  /** Called after a swap (for metrics). */
  onSwap?: (model: LoadedModel) => void;
}

/**
 * Loads one registry version for serving: prepares it (the ONNX export and its parity check,
 * once per version), then the ONNX predictor when that path was chosen and loads, else a pool
 * of sandboxed Python workers; with its card, signature, input checks and explanations.
 */
export async function loadVersion(opts: ModelHostOptions, name: string, version: number): Promise<LoadedModel> {
  const card = await readCard(opts.home, name, version);
  const paths = servingPaths(opts.home, name, version);
  const signature = await readSignature(paths.model);
  const { serving, doc } = await prepareServing({ home: opts.home, name, version, driver: opts.driver, limits: opts.limits, logger: opts.logger });
  let predictor: Predictor | null = null;
  let path: 'onnx' | 'python' = 'python';
  let pathReason = serving.reason;
  let features: FeatureSpec[] | null = doc?.features ?? null;
  if (serving.path === 'onnx' && opts.onnx === 'auto' && doc !== null) {
    try {
      predictor = await OnnxPredictor.load(paths.onnx, doc);
      path = 'onnx';
    } catch (err) {
      pathReason = `Python: the ONNX model did not load (${(err as Error).message}).`;
    }
  } else if (serving.path === 'onnx') {
    pathReason = 'Python: the ONNX path is turned off (OURO_SERVE_ONNX=off).';
  }
  if (predictor === null) {
    const pool = await PythonPool.start({
      driver: opts.driver,
      modelDir: paths.model,
      limits: opts.limits,
      size: opts.workers,
      logger: opts.logger,
    });
    predictor = pool;
    // A forecaster has no cleaner: its inputs (series, date, exogenous columns) are the signature's.
    if (taskTraits(signature.task).cleansInputs) features ??= pool.features;
  }
  features ??= signature.inputs.map((i) => ({ name: i.name, meant: i.meant, conversion: i.conversion, categories: i.categories }));
  const importance = await readImportance(opts.home, name, version);
  const holdoutCharts = await readHoldoutCharts(opts.home, name, version);
  const model: LoadedModel = { name, version, card, signature, features, inputs: compileInputs(features), serving, importance, holdoutCharts, path, pathReason, predictor, loadedAt: new Date().toISOString() };
  return model;
}
