/** A served version's importance.json and holdout-charts.json (deploy/prepare-serving.ts describes both). */
import { rm } from 'node:fs/promises';
import { z } from 'zod';
import { readCard } from '../core/registry.ts';
import { runPaths } from '../core/run-paths.ts';
import { isTabularTask, taskTraits } from '../core/schemas/task.ts';
import { readJsonIfExists, writeJsonAtomic } from '../core/store/json-file.ts';
import { pathExists as exists } from '../core/store/path-exists.ts';
import { freshHostDir, readUntrustedJson, UNTRUSTED_CAPS } from '../core/untrusted-files.ts';
import { computeHoldoutCharts } from './holdout-charts.ts';
import { computeImportance, PermutedSchema } from './importance.ts';
import { servingPaths, type PrepareOptions } from './serving-files.ts';

const VaultLabelsSchema = z.object({ labels: z.array(z.union([z.string(), z.number()])) });

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
