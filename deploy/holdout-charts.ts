/**
 * What the model page draws about the holdout, computed on the host from the model's own
 * holdout predictions (the export step's, made in the sandbox) and the vault's labels:
 * ROC and precision-recall curves with their no-skill baselines (binary), the confusion matrix
 * at the served labels (classification), predicted against actual by deciles of the
 * prediction (regression). Only aggregates: the model page is public.
 */
import { z } from 'zod';

const Point = z.tuple([z.number(), z.number()]);

export const HoldoutChartsSchema = z.object({
  format: z.literal(1),
  rows: z.number().int(),
  task: z.enum(['binary', 'multiclass', 'regression']),
  /** The class whose probability the curves rank by (the second class, as roc_auc scores it). */
  positive: z.string().nullable(),
  /** [false positive rate, true positive rate], from (0, 0) to (1, 1). */
  roc: z.array(Point).nullable(),
  /** [recall, precision]. */
  pr: z.array(Point).nullable(),
  /** Share of positive rows: the precision of a model that ranks at random. */
  prevalence: z.number().nullable(),
  /** counts[actual][predicted], in `classes` order. */
  confusion: z
    .object({ classes: z.array(z.string()), counts: z.array(z.array(z.number().int())) })
    .nullable(),
  /** Regression: [mean actual, mean predicted] of the holdout rows in each decile of the
   * prediction. Bins, not rows: the page is public, and one row's target may be personal. */
  bins: z.array(z.object({ actual: z.number(), predicted: z.number(), rows: z.number().int() })).nullable(),
  /** Binary: per decile of P(positive), the mean predicted probability and the share of positive
   * rows (a reliability curve). Absent in files written before it existed. */
  calibration: z
    .array(z.object({ actual: z.number(), predicted: z.number(), rows: z.number().int() }))
    .nullable()
    .optional(),
});
export type HoldoutCharts = z.infer<typeof HoldoutChartsSchema>;

export interface HoldoutAnswers {
  predictions: (string | number | null)[];
  probabilities: (number | null)[][] | null;
}

const MAX_POINTS = 200;
/** A bin of the regression chart averages at least this many rows, so no point is one row's target. */
const MIN_BIN_ROWS = 5;

/** At most MAX_POINTS points, first and last kept: enough for a 300-pixel curve. */
function thin<T>(points: T[]): T[] {
  if (points.length <= MAX_POINTS) return points;
  const step = (points.length - 1) / (MAX_POINTS - 1);
  return Array.from({ length: MAX_POINTS }, (_, i) => points[Math.round(i * step)]!);
}

/** ROC and PR points, one per distinct score (ties move together, as scikit-learn's roc_curve). */
export function curves(
  positives: boolean[],
  scores: number[],
): { roc: [number, number][]; pr: [number, number][]; prevalence: number } {
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0]);
  const P = positives.filter(Boolean).length;
  const N = positives.length - P;
  const roc: [number, number][] = [[0, 0]];
  const pr: [number, number][] = [[0, 1]];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    if (positives[order[k]![1]]) tp++;
    else fp++;
    if (k + 1 < order.length && order[k + 1]![0] === order[k]![0]) continue;
    roc.push([N === 0 ? 0 : fp / N, P === 0 ? 0 : tp / P]);
    pr.push([P === 0 ? 0 : tp / P, tp / (tp + fp)]);
  }
  return { roc: thin(roc), pr: thin(pr), prevalence: positives.length === 0 ? 0 : P / positives.length };
}

/** Rows sorted by prediction, cut into up to 10 bins of equal size, at least MIN_BIN_ROWS rows each. */
export function deciles(pairs: [number, number][]): { actual: number; predicted: number; rows: number }[] {
  const sorted = [...pairs].sort((a, b) => a[1] - b[1]);
  const count = Math.min(10, Math.floor(sorted.length / MIN_BIN_ROWS));
  const out: { actual: number; predicted: number; rows: number }[] = [];
  for (let b = 0; b < count; b++) {
    const part = sorted.slice(
      Math.floor((b * sorted.length) / count),
      Math.floor(((b + 1) * sorted.length) / count),
    );
    out.push({
      actual: part.reduce((s, [a]) => s + a, 0) / part.length,
      predicted: part.reduce((s, [, p]) => s + p, 0) / part.length,
      rows: part.length,
    });
  }
  return out;
}

export function computeHoldoutCharts(
  answers: HoldoutAnswers,
  labels: readonly (string | number)[],
  task: 'binary' | 'multiclass' | 'regression',
  classes: string[] | null,
): HoldoutCharts {
  const n = Math.min(labels.length, answers.predictions.length);
  const base = {
    format: 1 as const,
    rows: n,
    task,
    positive: null,
    roc: null,
    pr: null,
    prevalence: null,
    confusion: null,
    bins: null,
  };
  if (task === 'regression') {
    const pairs: [number, number][] = [];
    for (let i = 0; i < n; i++) {
      const p = answers.predictions[i];
      if (p !== null && p !== undefined && Number.isFinite(Number(p)))
        pairs.push([Number(labels[i]), Number(p)]);
    }
    return { ...base, bins: deciles(pairs) };
  }
  const cls = classes ?? [];
  const index = new Map(cls.map((c, i) => [c, i]));
  const counts = cls.map(() => cls.map(() => 0));
  for (let i = 0; i < n; i++) {
    const a = index.get(String(labels[i]));
    const p = index.get(String(answers.predictions[i]));
    if (a !== undefined && p !== undefined) counts[a]![p]!++;
  }
  const charts: HoldoutCharts = { ...base, confusion: { classes: cls, counts } };
  if (task === 'binary' && cls.length === 2 && answers.probabilities !== null) {
    const positive = cls[1]!;
    const scores = answers.probabilities.slice(0, n).map((row) => row[1] ?? 0);
    const c = curves(
      labels.slice(0, n).map((l) => String(l) === positive),
      scores,
    );
    const calibration = deciles(scores.map((s, i) => [String(labels[i]) === positive ? 1 : 0, s]));
    return { ...charts, positive, roc: c.roc, pr: c.pr, prevalence: c.prevalence, calibration };
  }
  return charts;
}
