import type { PreparedBatch } from '../validate-request.ts';

/** What a predictor returns: labels (str) or numbers, and class probabilities in the run's class order. */
export interface Predictions {
  predictions: (string | number | null)[];
  probabilities: number[][] | null;
}

/** A loaded model version that predicts validated batches. */
export interface Predictor {
  readonly kind: 'onnx' | 'python';
  predict(batch: PreparedBatch): Promise<Predictions>;
  /** Frees the runtime (ONNX session, Python workers); pending predictions settle first or fail. */
  close(): Promise<void>;
}
