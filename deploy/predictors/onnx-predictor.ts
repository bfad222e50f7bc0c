/**
 * The fast path: the estimator exported to ONNX at deploy time, run in-process by
 * onnxruntime-node on the columns deploy/validate-request.ts already cleaned. No process hop,
 * no pandas: a single row costs well under a millisecond.
 */
import { dirname } from 'node:path';
import { readUntrusted, UNTRUSTED_CAPS } from '../../core/untrusted-files.ts';
import * as ort from 'onnxruntime-node';
import { z } from 'zod';
import { FeatureSpecSchema } from '../clean-values.ts';
import type { PreparedBatch } from '../validate-request.ts';
import type { Predictions, Predictor } from './predictor.ts';

/** export.json, written by `python -m ouro_harness.export_onnx`. */
export const ExportDocSchema = z.object({
  onnx: z.boolean(),
  reason: z.string().nullable(),
  features: z.array(FeatureSpecSchema),
  task: z.enum(['binary', 'multiclass', 'regression']),
  classes: z.array(z.string()).nullable(),
  has_proba: z.boolean(),
  inputs: z.array(z.object({ name: z.string(), type: z.enum(['float', 'string']) })).optional(),
  label: z.string().optional(),
  probabilities: z.string().nullable().optional(),
  probability_columns: z.array(z.number().int()).nullable().optional(),
  /** Per input column, what the cleaner and the fitted pipeline do to it (sandbox/python/ouro_harness/preprocessing.py). */
  preprocessing: z.record(z.string(), z.array(z.string().max(1000)).max(50)).optional(),
  reference: z
    .object({
      rows: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))),
      predictions: z.array(z.union([z.string(), z.number(), z.null()])),
      probabilities: z.array(z.array(z.number().nullable())).nullable(),
    })
    .nullable(),
});
export type ExportDoc = z.infer<typeof ExportDocSchema>;

/** The shortest decimal that reads back as the same float32: 0.95, not 0.9499996304512024. */
export function float32Text(v: number): number {
  if (!Number.isFinite(v)) return v;
  for (let p = 1; p < 9; p++) {
    const short = Number(v.toPrecision(p));
    if (Math.fround(short) === v) return short;
  }
  return v;
}

export class OnnxPredictor implements Predictor {
  readonly kind = 'onnx' as const;
  private closed = false;

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly doc: ExportDoc,
  ) {}

  static async load(modelPath: string, doc: ExportDoc): Promise<OnnxPredictor> {
    if (!doc.onnx || doc.inputs === undefined || doc.label === undefined)
      throw new Error(`no ONNX export: ${doc.reason ?? 'unknown reason'}`);
    // One thread per run: requests run side by side on the event loop's thread pool instead.
    // model.onnx was written by the export step, which loaded the (hostile) pickle: read it
    // through the trust boundary (its parent, serving/, is the folder that step could write).
    const bytes = await readUntrusted(modelPath, { root: dirname(modelPath), maxBytes: UNTRUSTED_CAPS.tree });
    const session = await ort.InferenceSession.create(
      new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      {
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
      },
    );
    return new OnnxPredictor(session, doc);
  }

  async predict(batch: PreparedBatch): Promise<Predictions> {
    if (this.closed) throw new Error('the ONNX predictor is closed');
    const n = batch.rows;
    const feeds: Record<string, ort.Tensor> = {};
    for (const input of this.doc.inputs!) {
      const col = batch.columns.get(input.name);
      if (col === undefined) throw new Error(`the cleaned batch has no column ${input.name}`);
      feeds[input.name] =
        input.type === 'float'
          ? new ort.Tensor('float32', col as Float32Array, [n, 1])
          : new ort.Tensor('string', col as string[], [n, 1]);
    }
    const wanted = [this.doc.label!, ...(this.doc.probabilities ? [this.doc.probabilities] : [])];
    const out = await this.session.run(feeds, wanted);
    const label = out[this.doc.label!]!;
    if (this.doc.task === 'regression') {
      return {
        predictions: Array.from(label.data as Float32Array, (v) => (Number.isNaN(v) ? null : float32Text(v))),
        probabilities: null,
      };
    }
    const classes = this.doc.classes ?? [];
    let probabilities: number[][] | null = null;
    if (this.doc.probabilities) {
      const p = out[this.doc.probabilities]!;
      const data = p.data as Float32Array;
      const width = Number(p.dims[1] ?? 0);
      const columns = this.doc.probability_columns ?? classes.map((_, i) => i);
      probabilities = new Array(n);
      for (let i = 0; i < n; i++)
        probabilities[i] = columns.map((j) => (j < 0 ? 0 : float32Text(data[i * width + j]!)));
    }
    let predictions: string[];
    if (label.type === 'string') predictions = Array.from(label.data as string[]);
    else if (probabilities !== null)
      predictions = probabilities.map((row) => classes[row.indexOf(Math.max(...row))] ?? '');
    else
      predictions = Array.from(
        label.data as ArrayLike<number | bigint>,
        (v) => classes[Number(v)] ?? String(v),
      );
    return { predictions, probabilities };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.release();
  }
}
