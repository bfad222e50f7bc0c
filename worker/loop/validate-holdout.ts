import { readFile } from 'node:fs/promises';
import {
  freshHostDir,
  readUntrustedJson,
  UNTRUSTED_CAPS,
  UntrustedFileError,
} from '../../core/untrusted-files.ts';
import { join } from 'node:path';
import { z } from 'zod';
import { OuroError } from '../../core/errors.ts';
import type { RunPaths } from '../../core/run-paths.ts';
import type { TargetAnalysis } from '../../core/schemas/profile.ts';
import type { Metric } from '../../core/schemas/task.ts';
import type { SandboxDriver, SandboxLimits } from '../../sandbox/driver.ts';
import { kindOf } from '../kinds/kinds.ts';
import { runTrustedStep } from '../sandbox-steps.ts';

const PredictionsSchema = z.object({
  predictions: z.array(z.union([z.string(), z.number(), z.null()])),
  probabilities: z.array(z.array(z.number().nullable())).nullable(),
  classes: z.array(z.string()).nullable(),
});

/** Every vault has one label per holdout row; a kind's scorer reads the rest of it. */
const LabelsSchema = z.object({ labels: z.array(z.unknown()) }).loose();

export interface HoldoutScores {
  metric: Metric;
  score: number;
  baseline: number;
  all: Record<string, number>;
  rows: number;
}

/**
 * Scores a model on the holdout. The model predicts from the holdout's features inside a
 * fresh sandbox; the labels stay in the vault and the metrics are computed here, on the host.
 */
export async function validateOnHoldout(opts: {
  driver: SandboxDriver;
  limits: SandboxLimits;
  paths: RunPaths;
  modelDir: string;
  analysis: TargetAnalysis;
  metric: Metric;
  timeoutMs: number;
}): Promise<HoldoutScores> {
  const out = join(opts.paths.validation, 'predictions.json');
  // A fresh folder: a model validated before (a resumed run, a fallback) may have left links in it.
  await freshHostDir(opts.paths.validation, { root: opts.paths.root });
  await runTrustedStep({
    driver: opts.driver,
    limits: opts.limits,
    args: ['predict', '--model', opts.modelDir, '--input', opts.paths.holdoutFeatures, '--out', out],
    cwd: opts.paths.validation,
    mounts: [
      { path: opts.paths.holdout },
      { path: opts.modelDir },
      { path: opts.paths.validation, writable: true },
    ],
    timeoutMs: opts.timeoutMs,
    doing: 'scoring the best model on the holdout',
  });
  // Written by a step that loaded the (hostile) model: read through the trust boundary.
  const preds = await readUntrustedJson(out, PredictionsSchema, {
    root: opts.paths.validation,
    maxBytes: UNTRUSTED_CAPS.predictions,
  });
  const vault: unknown = JSON.parse(await readFile(opts.paths.labels, 'utf8'));
  const { labels } = LabelsSchema.parse(vault);
  if (preds.predictions.length !== labels.length) {
    throw new UntrustedFileError(
      'predictions.json',
      'invalid',
      `the model returned ${preds.predictions.length} predictions for ${labels.length} holdout rows`,
    );
  }
  const a = opts.analysis;
  // The kind of work knows its vault, its metrics and its baseline (worker/kinds/).
  const { all, baselineAll } = kindOf(a.task).scoreHoldout({
    task: a.task,
    analysis: a,
    predictions: preds.predictions,
    probabilities: preds.probabilities,
    classes: preds.classes,
    vault,
  });
  const score = all[opts.metric];
  const baseline = baselineAll[opts.metric];
  if (score === undefined || baseline === undefined)
    throw new Error(`metric ${opts.metric} is not computed for a ${a.task} task`);
  if (!Number.isFinite(score)) {
    throw new OuroError(
      'run_failed',
      `The holdout ${opts.metric} is undefined (for example a class absent from the holdout); choose another metric with --metric.`,
    );
  }
  // Metrics undefined on this holdout (ROC AUC with a class missing) are left off the card.
  const finite = Object.fromEntries(Object.entries(all).filter(([, v]) => Number.isFinite(v)));
  return { metric: opts.metric, score, baseline, all: finite, rows: labels.length };
}
