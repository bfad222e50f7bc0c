import { mkdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Config } from '../core/config.ts';
import { OuroError } from '../core/errors.ts';
import type { RunPaths } from '../core/run-paths.ts';
import { ProfileSchema, type Profile } from '../core/schemas/profile.ts';
import type { ArtifactStore } from '../core/store/artifact-store.ts';
import { pathExists } from '../core/store/path-exists.ts';
import { readUntrustedJson } from '../core/untrusted-files.ts';
import type { SandboxDriver, SandboxLimits } from '../sandbox/driver.ts';
import { runTrustedStep } from './sandbox-steps.ts';

export interface InspectDeps {
  config: Config;
  driver: SandboxDriver;
  limits: SandboxLimits;
  store: ArtifactStore;
  signal?: AbortSignal;
}

/** The run's own copy of the uploaded file. */
export function inputPath(paths: RunPaths, filename: string): string {
  return join(paths.input, basename(filename));
}

/**
 * Intake and profile, the same for every kind of work (docs/architecture.md, "The loop" 1):
 * the upload into the run folder (from the artifact store when it is not there yet), its size
 * checked with `stat` — Node never reads the file itself — then the harness's trusted `inspect`
 * step sniffs it, profiles every column and writes a string table in Parquet, inside the
 * sandbox. Done once per run: a resumed run reads the profile it wrote.
 */
export async function inspectUpload(
  paths: RunPaths,
  dataset: { ref: string; filename: string },
  deps: InspectDeps,
  options: { sheet?: string } = {},
): Promise<{ profile: Profile; local: string }> {
  const local = inputPath(paths, dataset.filename);
  if (!(await pathExists(paths.profile))) {
    if (!(await pathExists(local))) {
      await deps.store.getFile(dataset.ref, local).catch((err: unknown) => {
        throw new OuroError(
          'input_missing',
          `Cannot fetch ${dataset.filename} from the artifact store (${(err as Error).message}).`,
        );
      });
    }
    const info = await stat(local).catch(() => null);
    if (info === null)
      throw new OuroError('input_missing', `Cannot read ${dataset.filename}: the file is not there.`);
    const capBytes = deps.config.OURO_MAX_UPLOAD_MB * 1024 * 1024;
    if (info.size > capBytes)
      throw new OuroError(
        'input_too_large',
        `${dataset.filename} is ${(info.size / 1024 / 1024).toFixed(0)} MB; the limit is ${deps.config.OURO_MAX_UPLOAD_MB} MB (OURO_MAX_UPLOAD_MB). Sample the rows or raise the limit.`,
      );
    await mkdir(paths.prep, { recursive: true, mode: 0o755 });
    await runTrustedStep({
      driver: deps.driver,
      limits: deps.limits,
      args: [
        'inspect',
        '--input',
        local,
        '--profile',
        paths.profile,
        '--table',
        paths.table,
        '--max-bytes',
        String(capBytes),
        ...(options.sheet !== undefined ? ['--sheet', options.sheet] : []),
      ],
      cwd: paths.prep,
      mounts: [{ path: local }, { path: paths.prep, writable: true }],
      timeoutMs: Math.max(120_000, deps.config.OURO_EXPERIMENT_TIMEOUT_S * 1000),
      ...(deps.signal ? { signal: deps.signal } : {}),
      doing: `reading ${dataset.filename}`,
    });
  }
  const profile = await readUntrustedJson(paths.profile, ProfileSchema, { root: paths.prep });
  return { profile, local };
}
