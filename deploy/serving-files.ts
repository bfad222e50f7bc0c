/**
 * Where a registry version's deploy-time files live (deploy/prepare-serving.ts describes each)
 * and how the host reads them back: serving.json, the export step's export.json,
 * importance.json and holdout-charts.json.
 */
import { join } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../core/logger.ts';
import { versionDir } from '../core/registry.ts';
import { readJsonIfExists } from '../core/store/json-file.ts';
import { readUntrustedJson } from '../core/untrusted-files.ts';
import type { SandboxDriver, SandboxLimits } from '../sandbox/driver.ts';
import { HoldoutChartsSchema, type HoldoutCharts } from './holdout-charts.ts';
import { ImportanceSchema, type Importance } from './importance.ts';
import { ExportDocSchema, type ExportDoc } from './predictors/onnx-predictor.ts';

/** ONNX runs in float32; predictions may differ from scikit-learn's float64 by this much (relative for regression). */
export const ONNX_TOLERANCE = 1e-3;
export const SERVING_FORMAT = 1;

export const ServingSchema = z.object({
  format: z.literal(SERVING_FORMAT),
  path: z.enum(['onnx', 'python']),
  /** Why this path, in a sentence for the model page. */
  reason: z.string(),
  onnx: z.object({ exported: z.boolean(), reason: z.string().nullable() }),
  tolerance: z.number(),
  maxDifference: z.number().nullable(),
  rowsCompared: z.number().int(),
  labelsDiffer: z.number().int(),
  preparedAt: z.string(),
});
export type Serving = z.infer<typeof ServingSchema>;

export function servingPaths(home: string, name: string, version: number) {
  const dir = versionDir(home, name, version);
  return {
    dir,
    model: join(dir, 'model'),
    out: join(dir, 'serving'),
    doc: join(dir, 'serving', 'export.json'),
    onnx: join(dir, 'serving', 'model.onnx'),
    explain: join(dir, 'explain'),
    permuted: join(dir, 'explain', 'permuted.json'),
    importance: join(dir, 'importance.json'),
    holdoutCharts: join(dir, 'holdout-charts.json'),
    serving: join(dir, 'serving.json'),
    lock: join(dir, 'serving.lock'),
  };
}

export async function readServing(home: string, name: string, version: number): Promise<Serving | null> {
  try {
    return await readJsonIfExists(servingPaths(home, name, version).serving, ServingSchema);
  } catch {
    return null; // an older format: prepared again
  }
}

export async function readExportDoc(home: string, name: string, version: number): Promise<ExportDoc | null> {
  try {
    // Written by the export step, which loaded the model: hostile until read through the boundary.
    const paths = servingPaths(home, name, version);
    return await readUntrustedJson(paths.doc, ExportDocSchema, { root: paths.out });
  } catch {
    return null;
  }
}

export interface PrepareOptions {
  home: string;
  name: string;
  version: number;
  driver: SandboxDriver;
  limits: SandboxLimits;
  logger: Logger;
}

export async function readImportance(
  home: string,
  name: string,
  version: number,
): Promise<Importance | null> {
  try {
    return await readJsonIfExists(servingPaths(home, name, version).importance, ImportanceSchema);
  } catch {
    return null;
  }
}

export async function readHoldoutCharts(
  home: string,
  name: string,
  version: number,
): Promise<HoldoutCharts | null> {
  try {
    return await readJsonIfExists(servingPaths(home, name, version).holdoutCharts, HoldoutChartsSchema);
  } catch {
    return null;
  }
}
