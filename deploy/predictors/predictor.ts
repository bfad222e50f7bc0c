import type { PreparedBatch } from '../validate-request.ts';

/** One row's contributions (`?explain=true`, sandbox/python/ouro_harness/contributions.py): expected_value + the contributions = output, on `scale`. */
export interface Explanation {
  expected_value: number;
  contributions: Record<string, number>;
  output: number;
  scale: 'log_odds' | 'raw_score' | 'value';
  class: string | null;
}

/** What a predictor returns: labels (str) or numbers, and class probabilities in the run's class order. */
export interface Predictions {
  predictions: (string | number | null)[];
  probabilities: number[][] | null;
  /** Only when asked for (the Python path computes them). */
  explanations?: Explanation[];
}

/** A loaded model version that predicts validated batches. */
export interface Predictor {
  readonly kind: 'onnx' | 'python';
  predict(batch: PreparedBatch): Promise<Predictions>;
  /** Frees the runtime (ONNX session, Python workers); pending predictions settle first or fail. */
  close(): Promise<void>;
}

/** "The next H values" of one series, optionally from observations newer than the model's history. */
export interface ForecastRequest {
  /** The series id (panel models); omitted for a single-series model. */
  series?: string;
  horizon?: number;
  history?: { date: string; value: number }[];
  /** Exogenous values for the forecast dates, when the model uses them. */
  future?: Record<string, unknown>[];
}

export interface ForecastPoint {
  date: string;
  value: number;
  lo?: number;
  hi?: number;
}

/** A predictor that can also forecast (the Python pool of a forecasting model). */
export interface Forecaster {
  forecast(request: ForecastRequest): Promise<{ series: string; forecasts: ForecastPoint[] }>;
}

/** True when the predictor answers forecasts (it has the method; what the task is called does not matter). */
export function isForecaster(predictor: Predictor): predictor is Predictor & Forecaster {
  return typeof (predictor as Partial<Forecaster>).forecast === 'function';
}
