/**
 * Trusted metrics, computed on the host against the holdout labels. Nothing here trusts a number
 * the sandbox reports: the sandbox hands back predictions, and these functions score them.
 *
 * Every function follows scikit-learn 1.9 (the version pinned in sandbox/requirements.txt) and
 * is tested against it to 1e-9 (see metrics.test.ts and metrics.fixtures.py). Where sklearn's
 * behaviour is a floating-point accident rather than a decision, the divergence is documented on
 * the function.
 *
 * Malformed inputs (length mismatches, empty arrays, non-finite numbers, probabilities outside
 * [0, 1], true labels missing from `classes`) throw a `RangeError`; a metric that does not apply
 * to a task throws `OuroError('metric_invalid')` from `computeMetric`.
 */
import { OuroError } from './errors.ts';
import { metricsForTask, type Metric, type SeriesTask } from './schemas/task.ts';
import {
  EPS,
  fail,
  checkSameLength,
  checkFinite,
  classIndex,
  encodeTrue,
  checkProba,
  checkRowsSumToOne,
  column,
  mean,
} from './metric-checks.ts';
import { rmse, mae, r2, mase, smape } from './metrics-numeric.ts';

export { rmse, mae, r2, regressionMetrics, mase, smape, panelForecastMetrics } from './metrics-numeric.ts';

export type Labels = readonly string[];

/**
 * `proba[i][k]` is the predicted probability that row `i` belongs to `classes[k]`. Columns align
 * with `classes` in the order given; sklearn orders them sorted (as `LabelBinarizer` and
 * `predict_proba` do), so pass `classes` sorted when you want sklearn's exact conventions (for
 * binary tasks the positive class is `classes[1]`).
 */
export interface ClassificationInputs {
  yTrue: Labels;
  yPred: Labels;
  proba: readonly (readonly number[])[];
  classes: Labels;
}

export interface RegressionInputs {
  yTrue: readonly number[];
  yPred: readonly number[];
}

export interface ForecastInputs extends RegressionInputs {
  /** The training series the forecast continues, oldest first; MASE's naive-forecast scale comes from it. */
  yTrainHistory: readonly number[];
  /** Seasonal period for MASE's naive forecast (1 = non-seasonal random walk). */
  season: number;
}

export type ClassificationMetric = 'roc_auc' | 'log_loss' | 'f1_macro' | 'accuracy';
export type RegressionMetric = 'rmse' | 'mae' | 'r2';
export type ForecastMetric = 'mase' | 'smape' | 'rmse';

/** Inputs tagged with their task, for `computeMetric` / `computeMetrics`. */
export type MetricInputs =
  | ({ task: 'binary' | 'multiclass' } & ClassificationInputs)
  | ({ task: 'regression' } & RegressionInputs)
  | ({ task: SeriesTask } & ForecastInputs);

// ---------------------------------------------------------------------------------------------
// Classification
// ---------------------------------------------------------------------------------------------

/**
 * Binary ROC AUC of `scorePositive` for the class `positive` (every other label is negative),
 * equal to sklearn's `roc_auc_score(y_true == positive, score)`. Computed as the Mann-Whitney
 * statistic with average ranks for tied scores, which is exactly the area under sklearn's ROC
 * curve (ties become diagonal segments).
 *
 * Returns NaN when `yTrue` holds only one class (all positive or all negative): AUC is undefined
 * there; sklearn 1.9 also returns NaN (with an `UndefinedMetricWarning`).
 */
export function rocAuc(yTrue: Labels, scorePositive: readonly number[], positive: string): number {
  checkSameLength('rocAuc', yTrue, scorePositive);
  checkFinite('rocAuc scorePositive', scorePositive);
  const n = yTrue.length;
  let nPos = 0;
  for (const y of yTrue) if (y === positive) nPos++;
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;

  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scorePositive[a]! - scorePositive[b]!);
  // Sum of the (1-based, tie-averaged) ranks of the positives. Ranks are integers or halves, so
  // this sum is exact in float64 for any realistic n.
  let rankSumPos = 0;
  for (let start = 0; start < n;) {
    let end = start + 1;
    const s = scorePositive[order[start]!]!;
    while (end < n && scorePositive[order[end]!]! === s) end++;
    const avgRank = (start + 1 + end) / 2; // mean of ranks start+1 .. end
    let posInGroup = 0;
    for (let j = start; j < end; j++) if (yTrue[order[j]!] === positive) posInGroup++;
    rankSumPos += posInGroup * avgRank;
    start = end;
  }
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * Macro one-vs-rest ROC AUC, like sklearn's
 * `roc_auc_score(y_true, proba, multi_class='ovr', average='macro', labels=classes)`:
 * the unweighted mean over classes of the binary AUC of column k for class k.
 *
 * - Rows must sum to 1 (within `np.allclose` tolerance), as sklearn requires; otherwise throws.
 * - A class absent from `yTrue` has an undefined AUC, which makes the macro average NaN — the
 *   same as sklearn 1.9.
 * - With exactly two classes this is the binary AUC of `classes[1]` against column 1, which is
 *   what sklearn does for a two-class `y_true`.
 */
export function rocAucOvr(yTrue: Labels, proba: readonly (readonly number[])[], classes: Labels): number {
  checkSameLength('rocAucOvr', yTrue, proba);
  const index = classIndex(classes);
  encodeTrue(yTrue, index);
  checkProba(proba, classes.length);
  if (classes.length === 2) return rocAuc(yTrue, column(proba, 1), classes[1]!);
  checkRowsSumToOne(proba);
  let total = 0;
  for (let k = 0; k < classes.length; k++) {
    total += rocAuc(yTrue, column(proba, k), classes[k]!);
  }
  return total / classes.length;
}

/**
 * Mean negative log-likelihood of the true class, like sklearn 1.9's
 * `log_loss(y_true, proba, labels=classes)`: probabilities are clipped to `[eps, 1 - eps]` with
 * `eps` = float64 machine epsilon (2.22e-16) and are *not* renormalised (sklearn 1.9 only warns
 * when rows do not sum to 1). A true-class probability of 0 therefore costs -ln(eps) ≈ 36.04.
 */
export function logLoss(yTrue: Labels, proba: readonly (readonly number[])[], classes: Labels): number {
  checkSameLength('logLoss', yTrue, proba);
  const codes = encodeTrue(yTrue, classIndex(classes));
  checkProba(proba, classes.length);
  const losses = codes.map((k, i) => {
    const p = Math.min(Math.max(proba[i]![k]!, EPS), 1 - EPS);
    return -Math.log(p);
  });
  return mean(losses);
}

/**
 * Macro F1 over `classes`, like sklearn's `f1_score(y_true, y_pred, labels=classes,
 * average='macro')` with the default `zero_division`: a class with no true and no predicted
 * samples (F1 = 0/0) counts as 0 in the average. Predicted labels outside `classes` count only
 * as misses for the true class.
 */
export function f1Macro(yTrue: Labels, yPred: Labels, classes: Labels): number {
  checkSameLength('f1Macro', yTrue, yPred);
  const index = classIndex(classes);
  const k = classes.length;
  const tp = new Array<number>(k).fill(0);
  const trueCount = new Array<number>(k).fill(0);
  const predCount = new Array<number>(k).fill(0);
  for (let i = 0; i < yTrue.length; i++) {
    const t = index.get(yTrue[i]!);
    const p = index.get(yPred[i]!);
    if (t !== undefined) trueCount[t]!++;
    if (p !== undefined) predCount[p]!++;
    if (t !== undefined && t === p) tp[t]!++;
  }
  let total = 0;
  for (let c = 0; c < k; c++) {
    const denom = trueCount[c]! + predCount[c]!;
    total += denom === 0 ? 0 : (2 * tp[c]!) / denom;
  }
  return total / k;
}

/** Fraction of exact label matches, like sklearn's `accuracy_score`. */
export function accuracy(yTrue: Labels, yPred: Labels): number {
  checkSameLength('accuracy', yTrue, yPred);
  let hits = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) hits++;
  return hits / yTrue.length;
}

/**
 * All four classification metrics. For `binary`, `classes` must have exactly two entries and
 * ROC AUC scores column 1 for the positive class `classes[1]` (NaN when `yTrue` holds one class);
 * for `multiclass`, ROC AUC is macro one-vs-rest (see `rocAucOvr`).
 */
export function classificationMetrics(
  task: 'binary' | 'multiclass',
  i: ClassificationInputs,
): Record<ClassificationMetric, number> {
  checkSameLength('classificationMetrics yTrue/yPred', i.yTrue, i.yPred);
  return {
    roc_auc: rocAucForTask(task, i),
    log_loss: logLoss(i.yTrue, i.proba, i.classes),
    f1_macro: f1Macro(i.yTrue, i.yPred, i.classes),
    accuracy: accuracy(i.yTrue, i.yPred),
  };
}

function rocAucForTask(task: 'binary' | 'multiclass', i: ClassificationInputs): number {
  if (task === 'multiclass') return rocAucOvr(i.yTrue, i.proba, i.classes);
  if (i.classes.length !== 2) fail(`binary task needs exactly two classes, got ${i.classes.length}`);
  checkSameLength('rocAuc yTrue/proba', i.yTrue, i.proba);
  encodeTrue(i.yTrue, classIndex(i.classes));
  checkProba(i.proba, 2);
  return rocAuc(i.yTrue, column(i.proba, 1), i.classes[1]!);
}

// ---------------------------------------------------------------------------------------------
// Dispatch
// ---------------------------------------------------------------------------------------------

/**
 * One metric for task-tagged inputs. Throws `OuroError('metric_invalid')` when the metric is not
 * one of `metricsForTask(inputs.task)`.
 */
export function computeMetric(metric: Metric, inputs: MetricInputs): number {
  const allowed = metricsForTask(inputs.task);
  if (!allowed.includes(metric)) {
    throw new OuroError(
      'metric_invalid',
      `The metric "${metric}" does not apply to a ${inputs.task} task; use one of: ${allowed.join(', ')}.`,
    );
  }
  switch (inputs.task) {
    case 'binary':
    case 'multiclass':
      switch (metric) {
        case 'roc_auc':
          return rocAucForTask(inputs.task, inputs);
        case 'log_loss':
          return logLoss(inputs.yTrue, inputs.proba, inputs.classes);
        case 'f1_macro':
          return f1Macro(inputs.yTrue, inputs.yPred, inputs.classes);
        default:
          return accuracy(inputs.yTrue, inputs.yPred);
      }
    case 'regression':
      switch (metric) {
        case 'rmse':
          return rmse(inputs.yTrue, inputs.yPred);
        case 'mae':
          return mae(inputs.yTrue, inputs.yPred);
        default:
          return r2(inputs.yTrue, inputs.yPred);
      }
    default:
      // The series task: scored against the series' own history.
      switch (metric) {
        case 'mase':
          return mase(inputs.yTrue, inputs.yPred, inputs.yTrainHistory, inputs.season);
        case 'smape':
          return smape(inputs.yTrue, inputs.yPred);
        default:
          return rmse(inputs.yTrue, inputs.yPred);
      }
  }
}

/** Every metric `metricsForTask(inputs.task)` lists, keyed by metric. */
export function computeMetrics(inputs: MetricInputs): Partial<Record<Metric, number>> {
  const out: Partial<Record<Metric, number>> = {};
  for (const m of metricsForTask(inputs.task)) out[m] = computeMetric(m, inputs);
  return out;
}
