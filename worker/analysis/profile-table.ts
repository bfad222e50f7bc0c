import { mkdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { OuroError } from '../../core/errors.ts';
import type { RunPaths } from '../../core/run-paths.ts';
import { ProfileSchema, type Profile } from '../../core/schemas/profile.ts';
import type { RunRequest } from '../../core/schemas/run-request.ts';
import { pathExists } from '../../core/store/path-exists.ts';
import { readUntrustedJson } from '../../core/untrusted-files.ts';
import { runTrustedStep } from '../sandbox-steps.ts';
import type { AnalysisDeps } from './analysis-loop.ts';

/** The run's copy of the file, profiled by the trusted `inspect` step (Node never parses it). */
export async function profileTable(
  paths: RunPaths,
  request: RunRequest,
  deps: AnalysisDeps,
): Promise<Profile> {
  if (!(await pathExists(paths.profile))) {
    const local = join(paths.input, basename(request.dataset.filename));
    if (!(await pathExists(local))) {
      await deps.store.getFile(request.dataset.ref, local).catch((err: unknown) => {
        throw new OuroError(
          'input_missing',
          `Cannot fetch ${request.dataset.filename} from the artifact store (${(err as Error).message}).`,
        );
      });
    }
    const info = await stat(local);
    const capBytes = deps.config.OURO_MAX_UPLOAD_MB * 1024 * 1024;
    if (info.size > capBytes)
      throw new OuroError(
        'input_too_large',
        `${request.dataset.filename} is ${(info.size / 1024 / 1024).toFixed(0)} MB; the limit is ${deps.config.OURO_MAX_UPLOAD_MB} MB (OURO_MAX_UPLOAD_MB).`,
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
      ],
      cwd: paths.prep,
      mounts: [{ path: local }, { path: paths.prep, writable: true }],
      timeoutMs: Math.max(120_000, deps.config.OURO_EXPERIMENT_TIMEOUT_S * 1000),
      ...(deps.signal ? { signal: deps.signal } : {}),
      doing: `reading ${request.dataset.filename}`,
    });
  }
  return readUntrustedJson(paths.profile, ProfileSchema, { root: paths.prep });
}
