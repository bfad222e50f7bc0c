import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Config } from '../../core/config.ts';
import type { RunPaths } from '../../core/run-paths.ts';
import type { Profile } from '../../core/schemas/profile.ts';
import type { ArtifactStore } from '../../core/store/artifact-store.ts';
import {
  copyUntrustedFile,
  freshHostDir,
  readUntrustedJson,
  UNTRUSTED_CAPS,
} from '../../core/untrusted-files.ts';
import type { SandboxDriver, SandboxLimits } from '../../sandbox/driver.ts';
import { runTrustedStep } from '../sandbox-steps.ts';
import { runVaultedSplit } from '../vaulted-split.ts';
import { inspectUpload } from '../inspect-upload.ts';

/** The trusted harness steps of a synthesis run: read the file, split once, export the result. */
export interface StepDeps {
  config: Config;
  driver: SandboxDriver;
  limits: SandboxLimits;
  store: ArtifactStore;
  signal?: AbortSignal;
}

const timeout = (config: Config) => Math.max(120_000, config.OURO_EXPERIMENT_TIMEOUT_S * 1000);

/** Fetches the upload into the run folder and profiles it (the same `inspect` as a model run). */
export async function profileUpload(
  paths: RunPaths,
  dataset: { ref: string; filename: string },
  deps: StepDeps,
): Promise<{ profile: Profile; local: string }> {
  return inspectUpload(paths, dataset, deps);
}

const ColumnMetaSchema = z
  .object({
    name: z.string(),
    kind: z.enum(['number', 'category', 'date', 'key', 'constant', 'empty', 'text']),
  })
  .loose();
export const SynthMetaSchema = z
  .object({
    target: z.string(),
    task: z.enum(['binary', 'multiclass', 'regression']),
    classes: z.array(z.string()).nullable(),
    classCounts: z.record(z.string(), z.number().int()).nullable(),
    trainRows: z.number().int(),
    holdoutRows: z.number().int(),
    columns: z.array(ColumnMetaSchema),
    dateOrder: z.array(z.tuple([z.string(), z.string()])),
  })
  .loose();
export type SynthMeta = z.infer<typeof SynthMetaSchema>;

/**
 * The one split: the generators get the typed training rows (`workspace/`), the holdout's
 * features go to `holdout/` for the judge, its target values to the vault (0700, never mounted).
 */
export async function splitForSynthesis(
  paths: RunPaths,
  o: { target: string; task: string; seed: number },
  deps: StepDeps,
): Promise<SynthMeta> {
  await runVaultedSplit({
    driver: deps.driver,
    limits: deps.limits,
    paths,
    args: [
      'synth-split',
      '--table',
      paths.table,
      '--profile',
      paths.profile,
      '--target',
      o.target,
      '--task',
      o.task,
      '--seed',
      String(o.seed),
    ],
    timeoutMs: timeout(deps.config),
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  return readUntrustedJson(join(paths.workspace, 'meta.json'), SynthMetaSchema, { root: paths.workspace });
}

export type OutputFormat = 'csv' | 'parquet' | 'xlsx';

export function outputFormat(profile: Profile): OutputFormat {
  const f = profile.file.format;
  return f === 'parquet' || f === 'xlsx' ? f : 'csv';
}

const ExportSummarySchema = z.object({
  rows: z.number().int().nonnegative(),
  columns: z.array(z.string()),
  charted: z.array(z.string()),
});

/**
 * Writes the chosen table in the user's format and the real-vs-synthetic chart (a trusted step
 * reading the judged table), then copies both through the boundary into `dataset/`, which only
 * the host writes.
 */
export async function exportDataset(
  paths: RunPaths,
  o: { clean: string; format: OutputFormat; filename: string },
  deps: StepDeps,
): Promise<{ data: string; chart: string | null; rows: number; columns: string[]; bytes: number }> {
  const staging = join(paths.root, 'export');
  const out = join(paths.root, 'dataset');
  await freshHostDir(staging, { root: paths.root });
  await freshHostDir(out, { root: paths.root });
  await runTrustedStep({
    driver: deps.driver,
    limits: deps.limits,
    args: [
      'synth-export',
      '--clean',
      o.clean,
      '--real',
      join(paths.workspace, 'real.parquet'),
      '--meta',
      join(paths.workspace, 'meta.json'),
      '--format',
      o.format,
      '--out',
      join(staging, o.filename),
      '--chart',
      join(staging, 'real-vs-synthetic.png'),
      '--summary',
      join(staging, 'summary.json'),
    ],
    cwd: staging,
    mounts: [{ path: o.clean }, { path: paths.workspace }, { path: staging, writable: true }],
    timeoutMs: timeout(deps.config),
    ...(deps.signal ? { signal: deps.signal } : {}),
    doing: 'writing the synthetic dataset',
  });
  const summary = await readUntrustedJson(join(staging, 'summary.json'), ExportSummarySchema, {
    root: staging,
  });
  const data = join(out, o.filename);
  const bytes = await copyUntrustedFile(join(staging, o.filename), data, {
    root: staging,
    maxBytes: UNTRUSTED_CAPS.tree,
  });
  const chart = join(out, 'real-vs-synthetic.png');
  const charted = await copyUntrustedFile(join(staging, 'real-vs-synthetic.png'), chart, {
    root: staging,
    maxBytes: UNTRUSTED_CAPS.image,
  }).then(
    () => true,
    () => false,
  );
  await rm(staging, { recursive: true, force: true });
  return { data, chart: charted ? chart : null, rows: summary.rows, columns: summary.columns, bytes };
}
