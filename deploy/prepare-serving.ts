/**
 * Deploy-time preparation of one registry version, done once and kept beside its card:
 *
 *   versions/<n>/serving/export.json   the cleaner's full feature specs, the ONNX graph's
 *                                      interface and the Python model's own predictions on
 *                                      holdout rows (+ probe rows: a missing value, an unseen
 *                                      category), written by `python -m ouro_harness.export_onnx`
 *   versions/<n>/serving/model.onnx    when the estimator converts
 *   versions/<n>/serving.json          which path serves and why: the ONNX path only when its
 *                                      end-to-end predictions (TS cleaning + onnxruntime-node)
 *                                      match the Python model's within `tolerance`
 *
 * and, after the version serves (prepareExplanations, off the deploy's critical path):
 *
 *   versions/<n>/importance.json       permutation importance on the holdout: a sandboxed step
 *                                      predicts it with each column shuffled
 *                                      (explain/permuted.json, `python -m ouro_harness.permute`),
 *                                      the host scores it against the vault's labels
 *                                      (deploy/importance.ts)
 *   versions/<n>/holdout-charts.json   ROC/PR curves, confusion matrix or predicted vs actual,
 *                                      from the same predictions and labels (deploy/holdout-charts.ts)
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import { freshHostDir, readUntrustedJson, UNTRUSTED_CAPS } from '../core/untrusted-files.ts';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { Logger } from '../core/logger.ts';
import { readCard, versionDir } from '../core/registry.ts';
import { isTabularTask, taskTraits } from '../core/schemas/task.ts';
import { computeHoldoutCharts, HoldoutChartsSchema, type HoldoutCharts } from './holdout-charts.ts';
import { computeImportance, ImportanceSchema, PermutedSchema, type Importance } from './importance.ts';
import { runPaths } from '../core/run-paths.ts';
import { readJsonIfExists, writeJsonAtomic } from '../core/store/json-file.ts';
import type { SandboxDriver, SandboxLimits } from '../sandbox/driver.ts';
import { ExportDocSchema, OnnxPredictor, type ExportDoc } from './predictors/onnx-predictor.ts';
import type { Predictions } from './predictors/predictor.ts';
import { compileInputs, prepareBatch } from './validate-request.ts';
import { pathExists as exists } from '../core/store/path-exists.ts';

/** ONNX runs in float32; predictions may differ from scikit-learn's float64 by this much (relative for regression). */
export const ONNX_TOLERANCE = 1e-3;
const SERVING_FORMAT = 1;
const EXPORT_TIMEOUT_MS = 180_000;
const LOCK_STALE_MS = 10 * 60_000;

export const ServingSchema = z.object({
  format: z.literal(SERVING_FORMAT),
  path: z.enum(['onnx', 'python']),
  /** Why this path, in a sentence for the model page. */
  reason: z.string(),
  onnx: z.object({ exported: z.boolean(), reason: z.string().nullable() }),
  tolerance: z.number(),
  maxDifference: z.number().nullable(),
  rowsCompared: z.number().int(),
  labelsDiffer: z.number().int(),
  preparedAt: z.string(),
});
export type Serving = z.infer<typeof ServingSchema>;

export function servingPaths(home: string, name: string, version: number) {
  const dir = versionDir(home, name, version);
  return {
    dir,
    model: join(dir, 'model'),
    out: join(dir, 'serving'),
    doc: join(dir, 'serving', 'export.json'),
    onnx: join(dir, 'serving', 'model.onnx'),
    explain: join(dir, 'explain'),
    permuted: join(dir, 'explain', 'permuted.json'),
    importance: join(dir, 'importance.json'),
    holdoutCharts: join(dir, 'holdout-charts.json'),
    serving: join(dir, 'serving.json'),
    lock: join(dir, 'serving.lock'),
  };
}

export async function readServing(home: string, name: string, version: number): Promise<Serving | null> {
  try {
    return await readJsonIfExists(servingPaths(home, name, version).serving, ServingSchema);
  } catch {
    return null; // an older format: prepared again
  }
}

export async function readExportDoc(home: string, name: string, version: number): Promise<ExportDoc | null> {
  try {
    // Written by the export step, which loaded the model: hostile until read through the boundary.
    const paths = servingPaths(home, name, version);
    return await readUntrustedJson(paths.doc, ExportDocSchema, { root: paths.out });
  } catch {
    return null;
  }
}

export interface PrepareOptions {
  home: string;
  name: string;
  version: number;
  driver: SandboxDriver;
  limits: SandboxLimits;
  logger: Logger;
}

/** serving.json of the version, preparing it first when missing. Never throws for a model that only Python can serve. */
export async function prepareServing(
  opts: PrepareOptions,
): Promise<{ serving: Serving; doc: ExportDoc | null }> {
  const paths = servingPaths(opts.home, opts.name, opts.version);
  const cached = await readServing(opts.home, opts.name, opts.version);
  if (cached !== null)
    return { serving: cached, doc: await readExportDoc(opts.home, opts.name, opts.version) };
  if (!(await takeLock(paths.lock))) {
    // Another server is preparing this version: wait for its result.
    const deadline = Date.now() + EXPORT_TIMEOUT_MS + 30_000;
    while (Date.now() < deadline) {
      await sleep(250);
      const done = await readServing(opts.home, opts.name, opts.version);
      if (done !== null)
        return { serving: done, doc: await readExportDoc(opts.home, opts.name, opts.version) };
      if (!(await exists(paths.lock))) break;
    }
    await rm(paths.lock, { recursive: true, force: true });
    return prepareServing(opts);
  }
  try {
    const card = await readCard(opts.home, opts.name, opts.version);
    if (!taskTraits(card.task).onnx) {
      // A forecaster is a statistical model plus its history, not a tensor graph: nothing to export.
      const serving: Serving = {
        format: SERVING_FORMAT,
        path: 'python',
        reason: 'Python: forecasting models forecast from their history in the harness; ONNX does not apply.',
        onnx: { exported: false, reason: 'not applicable to forecasting models' },
        tolerance: ONNX_TOLERANCE,
        maxDifference: null,
        rowsCompared: 0,
        labelsDiffer: 0,
        preparedAt: new Date().toISOString(),
      };
      await writeJsonAtomic(paths.serving, serving);
      return { serving, doc: null };
    }
    const { doc, failure } = await runExport(opts, paths);
    const serving = await decide(doc, failure, paths.onnx);
    await writeJsonAtomic(paths.serving, serving);
    opts.logger.info(
      { model: opts.name, version: opts.version, path: serving.path, reason: serving.reason },
      'serving prepared',
    );
    return { serving, doc };
  } finally {
    await rm(paths.lock, { recursive: true, force: true });
  }
}

export async function readImportance(
  home: string,
  name: string,
  version: number,
): Promise<Importance | null> {
  try {
    return await readJsonIfExists(servingPaths(home, name, version).importance, ImportanceSchema);
  } catch {
    return null;
  }
}

const VaultLabelsSchema = z.object({ labels: z.array(z.union([z.string(), z.number()])) });

export async function readHoldoutCharts(
  home: string,
  name: string,
  version: number,
): Promise<HoldoutCharts | null> {
  try {
    return await readJsonIfExists(servingPaths(home, name, version).holdoutCharts, HoldoutChartsSchema);
  } catch {
    return null;
  }
}

const EXPLAIN_TIMEOUT_MS = 300_000;

/**
 * importance.json and holdout-charts.json of a version, unless already there: the model
 * predicts the holdout (as it is, and with each column shuffled) in the sandbox; the scores
 * are computed here against the run's holdout labels, which never enter a sandbox. Returns
 * false when there is nothing to compute them from (a forecaster, the run's holdout or labels gone).
 */
export async function prepareExplanations(opts: PrepareOptions & { signal?: AbortSignal }): Promise<boolean> {
  const paths = servingPaths(opts.home, opts.name, opts.version);
  if ((await exists(paths.importance)) && (await exists(paths.holdoutCharts))) return true;
  const card = await readCard(opts.home, opts.name, opts.version);
  const tabular = card.task;
  if (!taskTraits(tabular).explain || !isTabularTask(tabular)) return false;
  const run = runPaths(opts.home, card.runId);
  if (!(await exists(run.holdoutFeatures))) return false;
  const vault = await readJsonIfExists(run.labels, VaultLabelsSchema);
  if (vault === null) return false;
  await freshHostDir(paths.explain, { root: paths.dir });
  const result = await opts.driver.run({
    command: [
      'python',
      '-m',
      'ouro_harness.permute',
      '--model',
      paths.model,
      '--holdout',
      run.holdoutFeatures,
      '--out',
      paths.permuted,
    ],
    cwd: paths.explain,
    mounts: [{ path: paths.model }, { path: paths.explain, writable: true }, { path: run.holdout }],
    limits: opts.limits,
    timeoutMs: EXPLAIN_TIMEOUT_MS,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (result.exitCode !== 0) {
    const tail = result.stderr.trim().split('\n').slice(-2).join(' | ');
    throw new Error(
      `the permutation step failed (${result.timedOut ? 'timed out' : `exit ${result.exitCode ?? result.signal}`}): ${tail}`,
    );
  }
  // Written by a step that loaded the (hostile) model: read through the trust boundary.
  const permuted = await readUntrustedJson(paths.permuted, PermutedSchema, {
    root: paths.explain,
    maxBytes: UNTRUSTED_CAPS.predictions,
  });
  const task = { task: tabular, metric: card.metric, classes: card.classes };
  await writeJsonAtomic(paths.importance, computeImportance(permuted, vault.labels, task));
  await writeJsonAtomic(
    paths.holdoutCharts,
    computeHoldoutCharts(permuted.base, vault.labels.slice(0, permuted.rows), tabular, card.classes),
  );
  await rm(paths.explain, { recursive: true, force: true });
  return true;
}

async function takeLock(lock: string): Promise<boolean> {
  try {
    await mkdir(lock);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const st = await stat(lock).catch(() => null);
    if (st !== null && Date.now() - st.mtimeMs > LOCK_STALE_MS) {
      await rm(lock, { recursive: true, force: true });
      return takeLock(lock);
    }
    return false;
  }
}

async function runExport(
  opts: PrepareOptions,
  paths: ReturnType<typeof servingPaths>,
): Promise<{ doc: ExportDoc | null; failure: string | null }> {
  await freshHostDir(paths.out, { root: paths.dir });
  const card = await readCard(opts.home, opts.name, opts.version);
  const holdout = runPaths(opts.home, card.runId);
  const hasHoldout = await exists(holdout.holdoutFeatures);
  const command = ['python', '-m', 'ouro_harness.export_onnx', '--model', paths.model, '--out', paths.out];
  if (hasHoldout) command.push('--holdout', holdout.holdoutFeatures);
  const result = await opts.driver.run({
    command,
    cwd: paths.out,
    mounts: [
      { path: paths.model },
      { path: paths.out, writable: true },
      ...(hasHoldout ? [{ path: holdout.holdout }] : []),
    ],
    limits: opts.limits,
    timeoutMs: EXPORT_TIMEOUT_MS,
  });
  if (result.exitCode !== 0) {
    const tail = result.stderr.trim().split('\n').slice(-2).join(' | ');
    return {
      doc: null,
      failure: `the export step failed (${result.timedOut ? 'timed out' : `exit ${result.exitCode ?? result.signal}`}): ${tail}`,
    };
  }
  const doc = await readExportDoc(opts.home, opts.name, opts.version);
  return doc === null
    ? { doc: null, failure: 'the export step wrote no readable export.json' }
    : { doc, failure: null };
}

async function decide(doc: ExportDoc | null, failure: string | null, onnxPath: string): Promise<Serving> {
  const base = {
    format: SERVING_FORMAT,
    tolerance: ONNX_TOLERANCE,
    maxDifference: null,
    rowsCompared: 0,
    labelsDiffer: 0,
    preparedAt: new Date().toISOString(),
  } as const;
  const python = (reason: string, extra: Partial<Serving> = {}): Serving => ({
    ...base,
    path: 'python',
    reason,
    onnx: { exported: doc?.onnx ?? false, reason: doc?.reason ?? failure },
    ...extra,
  });
  if (doc === null) return python(`Python: ${failure ?? 'no export'}.`);
  if (!doc.onnx)
    return python(`Python: this model does not convert to ONNX (${doc.reason ?? 'unknown reason'}).`);
  if (doc.reference === null || doc.reference.rows.length === 0)
    return python(
      "Python: the run's holdout features are gone, so the ONNX export could not be checked against the Python model.",
    );
  let predicted: Predictions;
  let batchRows: number;
  let predictor: OnnxPredictor | null = null;
  try {
    const batch = prepareBatch(compileInputs(doc.features), doc.reference.rows, Number.MAX_SAFE_INTEGER);
    batchRows = batch.rows;
    predictor = await OnnxPredictor.load(onnxPath, doc);
    predicted = await predictor.predict(batch);
  } catch (err) {
    return python(
      `Python: the ONNX path failed on the holdout rows (${(err as Error).message.split('\n')[0]}).`,
    );
  } finally {
    await predictor?.close();
  }
  const cmp = compare(doc, predicted);
  const stats = { maxDifference: cmp.maxDifference, rowsCompared: batchRows, labelsDiffer: cmp.labelsDiffer };
  if (cmp.maxDifference > ONNX_TOLERANCE || cmp.labelsDiffer > 0) {
    const what =
      cmp.labelsDiffer > 0
        ? `${cmp.labelsDiffer} predicted labels differ`
        : `predictions differ by up to ${cmp.maxDifference.toExponential(2)}`;
    return python(
      `Python: the ONNX export does not match the Python model on ${batchRows} holdout rows (${what}; tolerance ${ONNX_TOLERANCE}).`,
      stats,
    );
  }
  return {
    ...base,
    ...stats,
    path: 'onnx',
    reason: `ONNX in-process: matches the Python model on ${batchRows} holdout rows within ${ONNX_TOLERANCE} (largest difference ${cmp.maxDifference.toExponential(2)}).`,
    onnx: { exported: true, reason: null },
  };
}

/** Largest difference (relative to max(1, |y|) for regression, absolute for probabilities) and label disagreements that are not near-ties. */
export function compare(doc: ExportDoc, got: Predictions): { maxDifference: number; labelsDiffer: number } {
  const ref = doc.reference!;
  let maxDifference = 0;
  let labelsDiffer = 0;
  if (doc.task === 'regression') {
    ref.predictions.forEach((r, i) => {
      const a = got.predictions[i];
      if (r === null || a === null || a === undefined) {
        if (r !== a) maxDifference = Number.POSITIVE_INFINITY;
        return;
      }
      maxDifference = Math.max(
        maxDifference,
        Math.abs(Number(a) - Number(r)) / Math.max(1, Math.abs(Number(r))),
      );
    });
    return { maxDifference, labelsDiffer };
  }
  ref.predictions.forEach((r, i) => {
    const refProba = ref.probabilities?.[i]?.map((v) => v ?? 0) ?? null;
    const gotProba = got.probabilities?.[i] ?? null;
    if (refProba !== null && gotProba !== null) {
      refProba.forEach((p, k) => {
        maxDifference = Math.max(maxDifference, Math.abs(p - (gotProba[k] ?? Number.NaN)) || 0);
        if (Number.isNaN(gotProba[k]!)) maxDifference = Number.POSITIVE_INFINITY;
      });
    }
    if (String(got.predictions[i]) !== String(r)) {
      const sorted = [...(refProba ?? [])].sort((x, y) => y - x);
      const nearTie = sorted.length >= 2 && sorted[0]! - sorted[1]! <= 2 * ONNX_TOLERANCE;
      if (!nearTie) labelsDiffer++;
    }
  });
  return { maxDifference, labelsDiffer };
}
