import { readFile } from 'node:fs/promises';
import { freshHostDir, readUntrustedJson, UNTRUSTED_CAPS, UntrustedFileError } from '../../core/untrusted-files.ts';
import { join } from 'node:path';
import { z } from 'zod';
import { OuroError } from '../../core/errors.ts';
import { classificationMetrics, panelForecastMetrics, regressionMetrics } from '../../core/metrics.ts';
import type { RunPaths } from '../../core/run-paths.ts';
import type { TargetAnalysis } from '../../core/schemas/profile.ts';
import type { Metric } from '../../core/schemas/task.ts';
import type { SandboxDriver, SandboxLimits } from '../../sandbox/driver.ts';
import { runTrustedStep } from '../sandbox-steps.ts';

const PredictionsSchema = z.object({
  predictions: z.array(z.union([z.string(), z.number(), z.null()])),
  probabilities: z.array(z.array(z.number().nullable())).nullable(),
  classes: z.array(z.string()).nullable(),
});

const LabelsSchema = z.object({ labels: z.array(z.union([z.string(), z.number()])) });

/** A forecasting vault also holds, per holdout row, its series; per series, MASE's scale; the seasonal naive forecast. */
const ForecastLabelsSchema = z.object({
  labels: z.array(z.number()),
  series: z.array(z.string()),
  scales: z.record(z.string(), z.number().positive()),
  baseline: z.array(z.number()),
});

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
    mounts: [{ path: opts.paths.holdout }, { path: opts.modelDir }, { path: opts.paths.validation, writable: true }],
    timeoutMs: opts.timeoutMs,
    doing: 'scoring the best model on the holdout',
  });
  // Written by a step that loaded the (hostile) model: read through the trust boundary.
  const preds = await readUntrustedJson(out, PredictionsSchema, { root: opts.paths.validation, maxBytes: UNTRUSTED_CAPS.predictions });
  const { labels } = LabelsSchema.parse(JSON.parse(await readFile(opts.paths.labels, 'utf8')));
  if (preds.predictions.length !== labels.length) {
    throw new UntrustedFileError('predictions.json', 'invalid', `the model returned ${preds.predictions.length} predictions for ${labels.length} holdout rows`);
  }
  const a = opts.analysis;
  let all: Record<string, number>;
  let baselineAll: Record<string, number>;
  if (a.task === 'forecast') {
    const vault = ForecastLabelsSchema.parse(JSON.parse(await readFile(opts.paths.labels, 'utf8')));
    const yTrue = labels.map(Number);
    const yPred = preds.predictions.map((p) => (p === null ? Number.NaN : Number(p)));
    if (yPred.some((p) => !Number.isFinite(p))) {
      throw new OuroError('run_failed', `The model left ${yPred.filter((p) => !Number.isFinite(p)).length} of the ${yPred.length} holdout dates without a forecast.`);
    }
    all = panelForecastMetrics(yTrue, yPred, vault.series, vault.scales);
    baselineAll = panelForecastMetrics(yTrue, vault.baseline, vault.series, vault.scales);
  } else if (a.task === 'regression') {
    const yTrue = labels.map(Number);
    const yPred = preds.predictions.map((p) => (p === null ? Number.NaN : Number(p)));
    all = regressionMetrics({ yTrue, yPred });
    const mean = a.targetMean ?? 0;
    baselineAll = regressionMetrics({ yTrue, yPred: yTrue.map(() => mean) });
  } else {
    const classes = preds.classes ?? a.classes ?? [];
    const yTrue = labels.map(String);
    const yPred = preds.predictions.map((p) => String(p));
    const proba = (preds.probabilities ?? []).map((row) => row.map((v) => v ?? 0));
    all = classificationMetrics(a.task, { yTrue, yPred, proba, classes });
    // The baseline predicts the training prior for every row.
    const counts = a.classCounts ?? {};
    const total = Object.values(counts).reduce((s, c) => s + c, 0) || 1;
    const prior = classes.map((c) => (counts[c] ?? 0) / total);
    const majority = classes[prior.indexOf(Math.max(...prior))] ?? classes[0] ?? '';
    baselineAll = classificationMetrics(a.task, { yTrue, yPred: yTrue.map(() => majority), proba: yTrue.map(() => prior), classes });
  }
  const score = all[opts.metric];
  const baseline = baselineAll[opts.metric];
  if (score === undefined || baseline === undefined) throw new Error(`metric ${opts.metric} is not computed for a ${a.task} task`);
  if (!Number.isFinite(score)) {
    throw new OuroError('run_failed', `The holdout ${opts.metric} is undefined (for example a class absent from the holdout); choose another metric with --metric.`);
  }
  // Metrics undefined on this holdout (ROC AUC with a class missing) are left off the card.
  const finite = Object.fromEntries(Object.entries(all).filter(([, v]) => Number.isFinite(v)));
  return { metric: opts.metric, score, baseline, all: finite, rows: labels.length };
}
