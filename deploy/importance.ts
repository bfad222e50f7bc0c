/**
 * Permutation importance on the holdout, computed honestly: the sandboxed export step predicts
 * the holdout rows with each raw column shuffled (sandbox/python/ouro_harness/permute.py) and
 * never sees a label; the host scores every set of predictions against the vault's labels with
 * core/metrics.ts, the same code that scores the holdout on the card. A column's importance is
 * how much the run metric worsens when it is shuffled (mean and standard deviation over the
 * repeats), in the metric's own units.
 */
import { z } from 'zod';
import { computeMetric } from '../core/metrics.ts';
import { higherIsBetter, type Metric } from '../core/schemas/task.ts';
import { PartialDependenceSchema } from './partial-dependence.ts';

const AnswersSchema = z.object({
  predictions: z.array(z.union([z.string(), z.number(), z.null()])),
  probabilities: z.array(z.array(z.number().nullable())).nullable(),
});
type Answers = z.infer<typeof AnswersSchema>;

/** permuted.json, written by `python -m ouro_harness.export_onnx --permute` (a step that loaded the model: untrusted). */
export const PermutedSchema = z.object({
  columns: z.array(z.string()).max(1000),
  repeats: z.number().int().min(1).max(100),
  seed: z.number().int(),
  rows: z.number().int().min(1),
  base: AnswersSchema,
  permuted: z.record(z.string(), z.array(AnswersSchema)),
  partial_dependence: PartialDependenceSchema.optional(),
});
export type Permuted = z.infer<typeof PermutedSchema>;

export const ImportanceSchema = z.object({
  format: z.literal(1),
  metric: z.string(),
  higherIsBetter: z.boolean(),
  rows: z.number().int(),
  repeats: z.number().int(),
  /** The metric on the holdout rows as they are. */
  score: z.number(),
  /** Most important first: how much the metric worsens when the column is shuffled. */
  columns: z.array(z.object({ name: z.string(), mean: z.number(), std: z.number() })),
  /** From the same sandboxed step (features only): the page draws the top columns'. */
  partialDependence: PartialDependenceSchema.optional(),
  computedAt: z.string(),
});
export type Importance = z.infer<typeof ImportanceSchema>;

export interface ImportanceTask {
  task: 'binary' | 'multiclass' | 'regression';
  metric: Metric;
  classes: string[] | null;
}

function scoreOf(answers: Answers, labels: readonly (string | number)[], t: ImportanceTask): number {
  const n = labels.length;
  if (answers.predictions.length !== n)
    throw new Error(`${answers.predictions.length} predictions for ${n} labelled rows`);
  if (t.task === 'regression') {
    return computeMetric(t.metric, {
      task: 'regression',
      yTrue: labels.map(Number),
      yPred: answers.predictions.map((p) => (p === null ? Number.NaN : Number(p))),
    });
  }
  const classes = t.classes ?? [];
  const proba = (answers.probabilities ?? []).map((row) => row.map((v) => v ?? 0));
  return computeMetric(t.metric, {
    task: t.task,
    yTrue: labels.map(String),
    yPred: answers.predictions.map(String),
    proba,
    classes,
  });
}

/** Scores every permutation against `labels` (the first `permuted.rows` holdout labels). */
export function computeImportance(
  permuted: Permuted,
  allLabels: readonly (string | number)[],
  t: ImportanceTask,
): Importance {
  const labels = allLabels.slice(0, permuted.rows);
  if (labels.length !== permuted.rows)
    throw new Error(
      `the vault holds ${allLabels.length} labels, fewer than the ${permuted.rows} rows predicted`,
    );
  const sign = higherIsBetter(t.metric) ? 1 : -1;
  const score = scoreOf(permuted.base, labels, t);
  const columns = permuted.columns.map((name) => {
    const drops = (permuted.permuted[name] ?? []).map(
      (answers) => sign * (score - scoreOf(answers, labels, t)),
    );
    const mean = drops.reduce((s, d) => s + d, 0) / Math.max(1, drops.length);
    const std = Math.sqrt(drops.reduce((s, d) => s + (d - mean) ** 2, 0) / Math.max(1, drops.length));
    return { name, mean, std };
  });
  columns.sort((a, b) => b.mean - a.mean);
  return {
    format: 1,
    metric: t.metric,
    higherIsBetter: higherIsBetter(t.metric),
    rows: labels.length,
    repeats: permuted.repeats,
    score,
    columns,
    ...(permuted.partial_dependence !== undefined ? { partialDependence: permuted.partial_dependence } : {}),
    computedAt: new Date().toISOString(),
  };
}
