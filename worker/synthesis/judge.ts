import { join } from 'node:path';
import { z } from 'zod';
import { classificationMetrics, regressionMetrics } from '../../core/metrics.ts';
import type { RunPaths } from '../../core/run-paths.ts';
import { readJson } from '../../core/store/json-file.ts';
import {
  copyUntrustedFile,
  freshHostDir,
  readUntrustedJson,
  UNTRUSTED_CAPS,
} from '../../core/untrusted-files.ts';
import type { SandboxDriver, SandboxLimits } from '../../sandbox/driver.ts';
import { runTrustedStep } from '../sandbox-steps.ts';
import type { SynthPurpose } from './purpose.ts';

/**
 * The judge (docs/architecture.md, "Synthetic data"): ouro's own step, never the generator's
 * claims. A host copy of the synthetic table (a link or FIFO the generator left is refused) goes
 * into a fresh sandbox with the real training rows and the holdout's features — no target. It
 * writes fidelity and privacy numbers and the fixed evaluator's holdout predictions; the host
 * scores those predictions here against the vault.
 */
const n = z.number().nullable();
export const JudgementSchema = z
  .object({
    ok: z.boolean(),
    problem: z.string().optional(),
    rows: z.number().int().nonnegative().optional(),
    copiesDropped: z.number().int().nonnegative().optional(),
    meanColumnDistance: z.number().optional(),
    associationGap: z.number().optional(),
    discriminatorAuc: n.optional(),
    dcrSynthetic: n.optional(),
    dcrHoldout: n.optional(),
    dcrRatio: n.optional(),
    closerThanHoldout5pct: n.optional(),
    rareCategories: z.number().int().optional(),
    rareCategoriesReproduced: z.number().int().optional(),
    outlierValues: z.number().int().optional(),
    outlierValuesReproduced: z.number().int().optional(),
  })
  .loose();
export type Judgement = z.infer<typeof JudgementSchema>;

const PredictionsSchema = z.object({
  predictions: z.array(z.union([z.string(), z.number(), z.null()])),
  probabilities: z.array(z.array(z.number().nullable())).nullable(),
  classes: z.array(z.string()).nullable(),
});
type Predictions = z.infer<typeof PredictionsSchema>;
const LabelsSchema = z.object({ labels: z.array(z.union([z.string(), z.number()])) });

export type EvalTask = 'binary' | 'multiclass' | 'regression';

/**
 * The evaluator's metric: ROC AUC for a yes/no stand-in (ranking is what a model trained on
 * shared data is for), macro F1 when classes are augmented (extra rare rows move the decision
 * threshold, which AUC ignores) and for many classes, R² for amounts.
 */
export function evaluatorMetric(task: EvalTask, purpose: SynthPurpose): 'roc_auc' | 'f1_macro' | 'r2' {
  if (task === 'regression') return 'r2';
  return task === 'binary' && purpose === 'stand-in' ? 'roc_auc' : 'f1_macro';
}

/** Scores evaluator predictions of the holdout against the vault, on the host. */
export async function scoreOnVault(
  paths: RunPaths,
  preds: Predictions,
  task: EvalTask,
  metric: string,
): Promise<number> {
  const { labels } = await readJson(paths.labels, LabelsSchema);
  if (preds.predictions.length !== labels.length)
    throw new Error(
      `the evaluator returned ${preds.predictions.length} predictions for ${labels.length} holdout rows`,
    );
  const all: Record<string, number> =
    task === 'regression'
      ? regressionMetrics({
          yTrue: labels.map(Number),
          yPred: preds.predictions.map((p) => (p === null ? Number.NaN : Number(p))),
        })
      : classificationMetrics(task, {
          yTrue: labels.map(String),
          yPred: preds.predictions.map(String),
          proba: (preds.probabilities ?? []).map((r) => r.map((v) => v ?? 0)),
          classes: preds.classes ?? [],
        });
  const score = all[metric];
  if (score === undefined || !Number.isFinite(score))
    throw new Error(`${metric} is undefined on this holdout`);
  return score;
}

export interface JudgeResult {
  judgement: Judgement;
  /** The evaluator's holdout score trained on this table (stand-in) or real + this table (augment). */
  score: number | null;
  /** Trained on the real rows alone; only when asked for (the first judgement of a run). */
  baseline: number | null;
  /** The table with exact copies of real rows dropped (host-owned folder). */
  clean: string;
}

export async function judgeTable(o: {
  driver: SandboxDriver;
  limits: SandboxLimits;
  paths: RunPaths;
  expDir: string;
  judgeDir: string;
  purpose: SynthPurpose;
  task: EvalTask;
  metric: string;
  withBaseline: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
}): Promise<JudgeResult> {
  await freshHostDir(o.judgeDir, { root: o.paths.root });
  // The generator's folder was writable in its sandbox: copy the table out through the boundary.
  await copyUntrustedFile(join(o.expDir, 'synthetic.parquet'), join(o.judgeDir, 'synthetic.parquet'), {
    root: o.expDir,
    maxBytes: UNTRUSTED_CAPS.predictions,
  });
  const f = (name: string) => join(o.judgeDir, name);
  await runTrustedStep({
    driver: o.driver,
    limits: o.limits,
    args: [
      'synth-judge',
      '--real',
      join(o.paths.workspace, 'real.parquet'),
      '--synthetic',
      f('synthetic.parquet'),
      '--holdout',
      o.paths.holdoutFeatures,
      '--meta',
      join(o.paths.workspace, 'meta.json'),
      '--purpose',
      o.purpose,
      '--out',
      f('judgement.json'),
      '--clean',
      f('clean.parquet'),
      '--predictions',
      f('predictions.json'),
      ...(o.withBaseline ? ['--baseline', f('baseline.json')] : []),
    ],
    cwd: o.judgeDir,
    mounts: [{ path: o.paths.workspace }, { path: o.paths.holdout }, { path: o.judgeDir, writable: true }],
    timeoutMs: o.timeoutMs,
    ...(o.signal ? { signal: o.signal } : {}),
    doing: 'judging a synthetic table',
  });
  // The judge read a table hostile code wrote: its outputs cross the boundary like any sandbox's.
  const judgement = await readUntrustedJson(f('judgement.json'), JudgementSchema, { root: o.judgeDir });
  if (!judgement.ok) return { judgement, score: null, baseline: null, clean: f('clean.parquet') };
  const preds = await readUntrustedJson(f('predictions.json'), PredictionsSchema, {
    root: o.judgeDir,
    maxBytes: UNTRUSTED_CAPS.predictions,
  });
  const score = await scoreOnVault(o.paths, preds, o.task, o.metric);
  let baseline: number | null = null;
  if (o.withBaseline) {
    const base = await readUntrustedJson(f('baseline.json'), PredictionsSchema, {
      root: o.judgeDir,
      maxBytes: UNTRUSTED_CAPS.predictions,
    });
    baseline = await scoreOnVault(o.paths, base, o.task, o.metric);
  }
  return { judgement, score, baseline, clean: f('clean.parquet') };
}

/**
 * The purpose's score, higher is better. Stand-in: the share of real utility kept (capped a
 * little above 1), less a penalty when a classifier tells the rows from real ones (AUC more
 * than 0.1 away from 0.5) and a heavier one when they sit closer to real rows than unseen real rows do (DCR ratio
 * under 0.9). Augmentation: the gain in the evaluator's holdout score.
 */
export function purposeScore(
  purpose: SynthPurpose,
  o: { utility: number; gain: number; discriminatorAuc: number | null; dcrRatio: number | null },
): number {
  if (purpose === 'augment') return o.gain;
  const auc = o.discriminatorAuc ?? 0.5;
  const dcr = o.dcrRatio ?? 1;
  return Math.min(o.utility, 1.05) - 0.3 * Math.max(0, Math.abs(auc - 0.5) - 0.1) - Math.max(0, 0.9 - dcr);
}
