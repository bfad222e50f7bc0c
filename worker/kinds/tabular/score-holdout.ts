import { z } from 'zod';
import { classificationMetrics, regressionMetrics } from '../../../core/metrics.ts';
import type { HoldoutInput } from '../task-kind.ts';

const LabelsSchema = z.object({ labels: z.array(z.union([z.string(), z.number()])) });

/**
 * A table's holdout, scored on the host: the model's predictions against the vault's labels,
 * and the baseline's — the training mean (regression) or the training prior for every row.
 */
export function scoreTabularHoldout(input: HoldoutInput): {
  all: Record<string, number>;
  baselineAll: Record<string, number>;
} {
  const { labels } = LabelsSchema.parse(input.vault);
  const a = input.analysis;
  if (input.task === 'regression') {
    const yTrue = labels.map(Number);
    const yPred = input.predictions.map((p) => (p === null ? Number.NaN : Number(p)));
    const mean = a.targetMean ?? 0;
    return {
      all: regressionMetrics({ yTrue, yPred }),
      baselineAll: regressionMetrics({ yTrue, yPred: yTrue.map(() => mean) }),
    };
  }
  const task = input.task === 'binary' ? 'binary' : 'multiclass';
  const classes = input.classes ?? a.classes ?? [];
  const yTrue = labels.map(String);
  const yPred = input.predictions.map((p) => String(p));
  const proba = (input.probabilities ?? []).map((row) => row.map((v) => v ?? 0));
  const all = classificationMetrics(task, { yTrue, yPred, proba, classes });
  // The baseline predicts the training prior for every row.
  const counts = a.classCounts ?? {};
  const total = Object.values(counts).reduce((s, c) => s + c, 0) || 1;
  const prior = classes.map((c) => (counts[c] ?? 0) / total);
  const majority = classes[prior.indexOf(Math.max(...prior))] ?? classes[0] ?? '';
  const baselineAll = classificationMetrics(task, {
    yTrue,
    yPred: yTrue.map(() => majority),
    proba: yTrue.map(() => prior),
    classes,
  });
  return { all, baselineAll };
}
