import { mkdir } from 'node:fs/promises';
import { ProfileSchema, type Profile } from '../../../core/schemas/profile.ts';
import { pathExists as exists } from '../../../core/store/path-exists.ts';
import { readUntrustedJson } from '../../../core/untrusted-files.ts';
import { runTrustedStep } from '../../sandbox-steps.ts';
import type { RunContext } from '../loop-types.ts';
import { takeInput } from './intake.ts';

/**
 * Intake, then the profile: the harness's `inspect` step sniffs the file, profiles every column
 * and writes a string table in Parquet, inside the sandbox. Done once; a resumed run reads it.
 */
export async function profileInput(run: RunContext): Promise<Profile> {
  const { paths, request, deps } = run;
  if (!(await exists(paths.profile))) {
    const { local, capBytes } = await takeInput(run);
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
        ...(request.options.sheet !== undefined ? ['--sheet', request.options.sheet] : []),
      ],
      cwd: paths.prep,
      mounts: [{ path: local }, { path: paths.prep, writable: true }],
      timeoutMs: Math.max(120_000, deps.config.OURO_EXPERIMENT_TIMEOUT_S * 1000),
      ...(deps.signal ? { signal: deps.signal } : {}),
      doing: `reading ${request.dataset.filename}`,
    });
  }
  const profile = await readUntrustedJson(paths.profile, ProfileSchema, { root: paths.prep });
  if (!run.resumed)
    await deps.events.emit({
      type: 'profiled',
      rows: profile.rows,
      columns: profile.columns.length,
      findings: profile.findings,
    });
  return profile;
}
