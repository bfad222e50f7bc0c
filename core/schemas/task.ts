import { z } from 'zod';

export const TaskSchema = z.enum(['binary', 'multiclass', 'regression', 'forecast']);
export type Task = z.infer<typeof TaskSchema>;

export const MetricSchema = z.enum(['roc_auc', 'log_loss', 'f1_macro', 'accuracy', 'rmse', 'mae', 'r2', 'mase', 'smape']);
export type Metric = z.infer<typeof MetricSchema>;

/** Metrics where a larger value is better; the rest are losses. */
const HIGHER_IS_BETTER: ReadonlySet<Metric> = new Set(['roc_auc', 'f1_macro', 'accuracy', 'r2']);

export function higherIsBetter(metric: Metric): boolean {
  return HIGHER_IS_BETTER.has(metric);
}

/** True when score `a` beats `b` under `metric` (ties are not improvements). */
export function isBetter(metric: Metric, a: number, b: number | undefined): boolean {
  if (b === undefined || Number.isNaN(b)) return !Number.isNaN(a);
  return higherIsBetter(metric) ? a > b : a < b;
}

export function defaultMetric(task: Task): Metric {
  switch (task) {
    case 'binary':
      return 'roc_auc';
    case 'multiclass':
      return 'log_loss';
    case 'regression':
      return 'rmse';
    case 'forecast':
      return 'mase';
  }
}

export function metricsForTask(task: Task): readonly Metric[] {
  switch (task) {
    case 'binary':
      return ['roc_auc', 'log_loss', 'f1_macro', 'accuracy'];
    case 'multiclass':
      return ['log_loss', 'f1_macro', 'accuracy', 'roc_auc'];
    case 'regression':
      return ['rmse', 'mae', 'r2'];
    case 'forecast':
      return ['mase', 'smape', 'rmse'];
  }
}
