/**
 * Loading one registry version for the host (deploy/model-host.ts): its card, signature and
 * serving choice, then the predictor — ONNX when serving.json chose it and it loads, else the
 * shared Python pool — and what the model page shows beside it.
 */
import { join } from 'node:path';
import type { Logger } from '../core/logger.ts';
import { ModelOwnerSchema, OPERATOR, ownerKey } from '../core/model-owner.ts';
import { readCard, registryRoot } from '../core/registry.ts';
import { taskTraits } from '../core/schemas/task.ts';
import { readJsonIfExists } from '../core/store/json-file.ts';
import type { SandboxDriver, SandboxLimits } from '../sandbox/driver.ts';
import type { FeatureSpec } from './clean-values.ts';
import type { LoadedModel } from './loaded-model.ts';
import { OnnxPredictor } from './predictors/onnx-predictor.ts';
import type { Predictor } from './predictors/predictor.ts';
import type { PythonPool } from './predictors/python-pool.ts';
import { prepareServing } from './prepare-serving.ts';
import { readHoldoutCharts, readImportance, servingPaths } from './serving-files.ts';
import { readSearch } from './search-chart.ts';
import { readSignature } from './signature.ts';
import { compileInputs } from './validate-request.ts';

export interface LoadVersionOptions {
  home: string;
  driver: SandboxDriver;
  limits: SandboxLimits;
  logger: Logger;
  onnx: 'auto' | 'off';
  pool: PythonPool;
  /** After the host's first scan: a version loaded later is warmed (its model loaded) before it swaps in. */
  started: boolean;
}

export async function loadVersion(
  opts: LoadVersionOptions,
  name: string,
  version: number,
): Promise<LoadedModel> {
  const card = await readCard(opts.home, name, version);
  const paths = servingPaths(opts.home, name, version);
  const signature = await readSignature(paths.model);
  const { serving, doc } = await prepareServing({
    home: opts.home,
    name,
    version,
    driver: opts.driver,
    limits: opts.limits,
    logger: opts.logger,
  });
  let predictor: Predictor | null = null;
  const owner = await readJsonIfExists(
    join(registryRoot(opts.home), name, 'owner.json'),
    ModelOwnerSchema,
  ).catch(() => null);
  const pooled = opts.pool.model({
    owner: ownerKey(owner ?? OPERATOR),
    name,
    version,
    modelDir: paths.model,
  });
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
    // Loaded lazily, on its first request: a server holding hundreds of models starts without
    // loading them. Loaded now when the cleaner's specs are only in the model (no export.json),
    // and for a new version while serving, so a model that cannot load never swaps in.
    if ((features === null && taskTraits(signature.task).cleansInputs) || opts.started) {
      try {
        const described = await pooled.describe();
        // A forecaster has no cleaner: its inputs (series, date, exogenous columns) are the signature's.
        if (taskTraits(signature.task).cleansInputs) features ??= described.features;
      } catch (err) {
        await pooled.close();
        throw err;
      }
    }
    predictor = pooled;
  }
  features ??= signature.inputs.map((i) => ({
    name: i.name,
    meant: i.meant,
    conversion: i.conversion,
    categories: i.categories,
  }));
  const importance = await readImportance(opts.home, name, version);
  const holdoutCharts = await readHoldoutCharts(opts.home, name, version);
  const search = !taskTraits(card.task).explain ? null : await readSearch(opts.home, card.runId, card.metric);
  return {
    name,
    version,
    card,
    signature,
    features,
    inputs: compileInputs(features),
    serving,
    importance,
    holdoutCharts,
    search,
    preprocessing: doc?.preprocessing ?? null,
    path,
    pathReason,
    predictor,
    explainer: taskTraits(card.task).explain ? pooled : null,
    loadedAt: new Date().toISOString(),
  };
}
