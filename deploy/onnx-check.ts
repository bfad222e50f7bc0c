/**
 * Which path serves a version (serving.json): the ONNX path only when its end-to-end
 * predictions (TS cleaning + onnxruntime-node) match the Python model's on the holdout rows
 * the export step recorded, within ONNX_TOLERANCE.
 */
import { OnnxPredictor, type ExportDoc } from './predictors/onnx-predictor.ts';
import type { Predictions } from './predictors/predictor.ts';
import { ONNX_TOLERANCE, SERVING_FORMAT, type Serving } from './serving-files.ts';
import { compileInputs, prepareBatch } from './validate-request.ts';

export async function decide(
  doc: ExportDoc | null,
  failure: string | null,
  onnxPath: string,
): Promise<Serving> {
  const base = {
    format: SERVING_FORMAT,
    tolerance: ONNX_TOLERANCE,
    maxDifference: null,
    rowsCompared: 0,
    labelsDiffer: 0,
    preparedAt: new Date().toISOString(),
  } as const;
  const python = (reason: string, extra: Partial<Serving> = {}): Serving => ({
    ...base,
    path: 'python',
    reason,
    onnx: { exported: doc?.onnx ?? false, reason: doc?.reason ?? failure },
    ...extra,
  });
  if (doc === null) return python(`Python: ${failure ?? 'no export'}.`);
  if (!doc.onnx)
    return python(`Python: this model does not convert to ONNX (${doc.reason ?? 'unknown reason'}).`);
  if (doc.reference === null || doc.reference.rows.length === 0)
    return python(
      "Python: the run's holdout features are gone, so the ONNX export could not be checked against the Python model.",
    );
  let predicted: Predictions;
  let batchRows: number;
  let predictor: OnnxPredictor | null = null;
  try {
    const batch = prepareBatch(compileInputs(doc.features), doc.reference.rows, Number.MAX_SAFE_INTEGER);
    batchRows = batch.rows;
    predictor = await OnnxPredictor.load(onnxPath, doc);
    predicted = await predictor.predict(batch);
  } catch (err) {
    return python(
      `Python: the ONNX path failed on the holdout rows (${(err as Error).message.split('\n')[0]}).`,
    );
  } finally {
    await predictor?.close();
  }
  const cmp = compare(doc, predicted);
  const stats = { maxDifference: cmp.maxDifference, rowsCompared: batchRows, labelsDiffer: cmp.labelsDiffer };
  if (cmp.maxDifference > ONNX_TOLERANCE || cmp.labelsDiffer > 0) {
    const what =
      cmp.labelsDiffer > 0
        ? `${cmp.labelsDiffer} predicted labels differ`
        : `predictions differ by up to ${cmp.maxDifference.toExponential(2)}`;
    return python(
      `Python: the ONNX export does not match the Python model on ${batchRows} holdout rows (${what}; tolerance ${ONNX_TOLERANCE}).`,
      stats,
    );
  }
  return {
    ...base,
    ...stats,
    path: 'onnx',
    reason: `ONNX in-process: matches the Python model on ${batchRows} holdout rows within ${ONNX_TOLERANCE} (largest difference ${cmp.maxDifference.toExponential(2)}).`,
    onnx: { exported: true, reason: null },
  };
}

/** Largest difference (relative to max(1, |y|) for regression, absolute for probabilities) and label disagreements that are not near-ties. */
export function compare(doc: ExportDoc, got: Predictions): { maxDifference: number; labelsDiffer: number } {
  const ref = doc.reference!;
  let maxDifference = 0;
  let labelsDiffer = 0;
  if (doc.task === 'regression') {
    ref.predictions.forEach((r, i) => {
      const a = got.predictions[i];
      if (r === null || a === null || a === undefined) {
        if (r !== a) maxDifference = Number.POSITIVE_INFINITY;
        return;
      }
      maxDifference = Math.max(
        maxDifference,
        Math.abs(Number(a) - Number(r)) / Math.max(1, Math.abs(Number(r))),
      );
    });
    return { maxDifference, labelsDiffer };
  }
  ref.predictions.forEach((r, i) => {
    const refProba = ref.probabilities?.[i]?.map((v) => v ?? 0) ?? null;
    const gotProba = got.probabilities?.[i] ?? null;
    if (refProba !== null && gotProba !== null) {
      refProba.forEach((p, k) => {
        maxDifference = Math.max(maxDifference, Math.abs(p - (gotProba[k] ?? Number.NaN)) || 0);
        if (Number.isNaN(gotProba[k]!)) maxDifference = Number.POSITIVE_INFINITY;
      });
    }
    if (String(got.predictions[i]) !== String(r)) {
      const sorted = [...(refProba ?? [])].sort((x, y) => y - x);
      const nearTie = sorted.length >= 2 && sorted[0]! - sorted[1]! <= 2 * ONNX_TOLERANCE;
      if (!nearTie) labelsDiffer++;
    }
  });
  return { maxDifference, labelsDiffer };
}
