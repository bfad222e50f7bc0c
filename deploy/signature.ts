/** signature.json, written by the harness's save_model beside model.joblib (docs/contracts-harness.md). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { SeriesAxisSchema } from '../core/schemas/series-axis.ts';
import { TaskSchema } from '../core/schemas/task.ts';

export const SignatureSchema = z.object({
  task: TaskSchema,
  target: z.string(),
  metric: z.string(),
  classes: z.array(z.coerce.string()).nullable(),
  inputs: z.array(
    z.object({
      name: z.string(),
      dtype: z.enum(['number', 'string', 'boolean', 'datetime']),
      meant: z.enum(['numeric', 'boolean', 'datetime', 'categorical', 'text']),
      conversion: z.string().nullable(),
      required: z.boolean(),
      categories: z.array(z.coerce.string()).nullable(),
    }),
  ),
  columns: z.array(z.string()).optional(),
  /** Forecasting models: the time axis, the default horizon and where each series ends. */
  forecast: SeriesAxisSchema.extend({
    horizon: z.number().int().positive(),
    exog: z.array(z.string()),
    intervals: z.boolean(),
    level: z.number().nullable(),
    series: z.array(z.object({ id: z.string(), last: z.string() })),
  }).optional(),
  created: z.string().optional(),
  harness: z.string().optional(),
});
export type Signature = z.infer<typeof SignatureSchema>;

export async function readSignature(modelDir: string): Promise<Signature> {
  return SignatureSchema.parse(JSON.parse(await readFile(join(modelDir, 'signature.json'), 'utf8')));
}

/** Open Inference Protocol datatype of an input. */
export function v2Datatype(dtype: Signature['inputs'][number]['dtype']): 'FP64' | 'BYTES' | 'BOOL' {
  return dtype === 'number' ? 'FP64' : dtype === 'boolean' ? 'BOOL' : 'BYTES';
}
