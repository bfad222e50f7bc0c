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
 * and, after the version serves (deploy/prepare-explanations.ts, off the deploy's critical path):
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
import { setTimeout as sleep } from 'node:timers/promises';
import { readCard } from '../core/registry.ts';
import { runPaths } from '../core/run-paths.ts';
import { taskTraits } from '../core/schemas/task.ts';
import { writeJsonAtomic } from '../core/store/json-file.ts';
import { pathExists as exists } from '../core/store/path-exists.ts';
import { freshHostDir } from '../core/untrusted-files.ts';
import { decide } from './onnx-check.ts';
import type { ExportDoc } from './predictors/onnx-predictor.ts';
import {
  ONNX_TOLERANCE,
  readExportDoc,
  readServing,
  SERVING_FORMAT,
  servingPaths,
  type PrepareOptions,
  type Serving,
} from './serving-files.ts';

// cli/models-command.ts and bench/serve-memory.ts read serving.json through this module.
export { readServing, servingPaths };

const EXPORT_TIMEOUT_MS = 180_000;
const LOCK_STALE_MS = 10 * 60_000;

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
