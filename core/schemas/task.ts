import { z } from 'zod';

export const TaskSchema = z.enum(['binary', 'multiclass', 'regression', 'forecast']);
export type Task = z.infer<typeof TaskSchema>;
/** The tasks of prediction from a table (the tabular kind). */
export type TabularTask = 'binary' | 'multiclass' | 'regression';
/** The tasks whose rows are points of time series (the forecasting kind). */
export type SeriesTask = Exclude<Task, TabularTask>;

export const MetricSchema = z.enum([
  'roc_auc',
  'log_loss',
  'f1_macro',
  'accuracy',
  'rmse',
  'mae',
  'r2',
  'mase',
  'smape',
]);
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

/**
 * The kinds of work (docs/architecture.md, "Kinds of work"): each task belongs to one, and the
 * loop asks the kind (worker/kinds/) how to split, plan, score, judge, publish and deliver.
 */
export const KindIdSchema = z.enum(['tabular', 'forecasting']);
export type KindId = z.infer<typeof KindIdSchema>;

/**
 * What the processes that only import core (the bot, the server, the CLI) need to know about a
 * task, as data rather than a branch on its name: they render and serve whatever a kind says.
 */
export interface TaskTraits {
  kind: KindId;
  /** The verb of the plan line and the serving route: POST /v1/models/{name}/<route>. */
  route: 'predict' | 'forecast';
  /** How the task is said in the thread. */
  words: string;
  /** What the baseline predicts, in words (the floor a model must beat). */
  floor: string;
  /** The server exports the model to ONNX and checks it (forecasters forecast from their history in Python). */
  onnx: boolean;
  /** Permutation importance and holdout charts on the model page (rows with labels in the vault). */
  explain: boolean;
  /** Requests carry raw table rows that the model's value cleaner reads. */
  cleansInputs: boolean;
  /**
   * How the holdout judges a model against the baseline: `beat` (strictly better) or `match`
   * (no worse: a seasonal naive forecast is itself a forecast from the series' own history).
   */
  gate: 'beat' | 'match';
}

const TABULAR = {
  kind: 'tabular',
  route: 'predict',
  onnx: true,
  explain: true,
  cleansInputs: true,
  gate: 'beat',
} as const;

export const TASK_TRAITS: Readonly<Record<Task, TaskTraits>> = {
  binary: { ...TABULAR, words: 'yes/no classification', floor: 'the training prior' },
  multiclass: { ...TABULAR, words: 'classification', floor: 'the training prior' },
  regression: { ...TABULAR, words: 'regression', floor: 'the training mean' },
  forecast: {
    kind: 'forecasting',
    route: 'forecast',
    words: 'forecast',
    floor: 'the seasonal naive forecast',
    onnx: false,
    explain: false,
    cleansInputs: false,
    gate: 'match',
  },
};

export function taskTraits(task: Task): TaskTraits {
  return TASK_TRAITS[task];
}

/** A task of prediction from a table (what permutation importance and holdout charts explain). */
export function isTabularTask(task: Task): task is TabularTask {
  return TASK_TRAITS[task].kind === 'tabular';
}

/** The tasks of a kind, in schema order. */
export function tasksOfKind(kind: KindId): Task[] {
  return TaskSchema.options.filter((t) => TASK_TRAITS[t].kind === kind);
}
