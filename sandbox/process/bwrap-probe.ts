import { spawnSync } from 'node:child_process';
import type { UidLease } from './sandbox-uids.ts';

/**
 * Whether bubblewrap works on this host (sandbox/process/process-driver.ts): found, and able
 * to run `true` in its namespaces as the sandbox user, with --disable-userns when it has it.
 */

export interface BwrapInfo {
  path: string;
  version: string;
  supportsSize: boolean;
  disableUserns: boolean;
}

export function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.trim() ?? '';
}

/** `lease` and `argv` come from the driver, so the trial runs exactly as a sandbox would. */
export function probeBwrap(
  path: string | null,
  trial: { lease: () => UidLease; argv: (info: BwrapInfo, lease: UidLease) => string[] },
): { info: BwrapInfo | null; reason: string } {
  if (path === null) return { info: null, reason: 'bwrap not found' };
  const help = spawnSync(path, ['--help'], { encoding: 'utf8', timeout: 5000 });
  const helpText = `${help.stdout ?? ''}${help.stderr ?? ''}`;
  const version = firstLine(
    spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 5000 }).stdout ?? '',
  ).replace(/^bubblewrap\s*/, '');
  const base = { path, version: version || '?', supportsSize: helpText.includes('--size') };
  const attempts = helpText.includes('--disable-userns') ? [true, false] : [false];
  let reason = 'bwrap failed';
  for (const disableUserns of attempts) {
    const info: BwrapInfo = { ...base, disableUserns };
    const lease = trial.lease();
    const argv = trial.argv(info, lease);
    const r = spawnSync(argv[0]!, argv.slice(1), {
      encoding: 'utf8',
      timeout: 10_000,
      env: { PATH: '/usr/bin:/bin' },
      cwd: '/',
    });
    lease.release();
    if (r.status === 0) return { info, reason: '' };
    reason = `bwrap does not work here: ${firstLine(r.stderr ?? '') || r.error?.message || `exit ${r.status}`}`;
  }
  return { info: null, reason };
}
