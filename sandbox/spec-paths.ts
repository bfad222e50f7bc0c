import { realpathSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { OuroError } from '../core/errors.ts';
import type { SandboxStartSpec } from './driver.ts';
import { isWithin } from './process/bwrap-args.ts';
import { assertReachable } from './process/host.ts';

type Need = 'read' | 'exec' | 'search';

export interface CheckedSpecPaths {
  /** The spec's mounts at their real paths (symlinks resolved), in order. */
  mounts: { path: string; writable: boolean }[];
  /** The working folder's real path. */
  cwd: string;
}

export interface SpecPathChecks {
  /** As root: the uid/gid whose permissions decide (the sandbox user); else null (existence only). */
  sandboxUser: { uid: number; gid: number } | null;
  /** Paths the driver itself needs besides the spec's, checked first: [path, need, what]. */
  also: readonly [string, Need, string][];
  /** Whether the working folder must lie inside a mount (it must when the filesystem is an allow-list). */
  cwdInMount: boolean;
}

/**
 * Everything about a spec's paths that can be wrong before a sandbox starts, reported as what to
 * do about it; the same checks for every driver. Mounts resolve to real paths so a symlink cannot
 * widen what is bound, and `/` is never mounted.
 */
export function checkSpecPaths(spec: SandboxStartSpec, checks: SpecPathChecks): CheckedSpecPaths {
  if (spec.command.length === 0) throw new OuroError('internal', 'Sandbox command is empty.');
  if (!isAbsolute(spec.cwd)) throw new OuroError('internal', `Sandbox cwd must be absolute: ${spec.cwd}`);
  const check = (path: string, need: Need, what: string) => {
    if (checks.sandboxUser !== null)
      assertReachable(path, need, checks.sandboxUser.uid, checks.sandboxUser.gid, what);
    else {
      try {
        statSync(path);
      } catch {
        throw new OuroError('sandbox_unavailable', `The ${what} ${path} does not exist.`);
      }
    }
  };
  for (const [path, need, what] of checks.also) check(path, need, what);
  const mounts = spec.mounts.map((m) => {
    if (!isAbsolute(m.path))
      throw new OuroError('internal', `Sandbox mount must be an absolute path: ${m.path}`);
    check(
      m.path,
      m.writable === true ? 'search' : 'read',
      m.writable === true ? 'writable folder' : 'mounted path',
    );
    const real = realpathSync(m.path);
    if (real === '/') throw new OuroError('internal', 'Refusing to mount / into the sandbox.');
    return { path: real, writable: m.writable === true };
  });
  check(spec.cwd, 'search', 'working folder');
  const cwd = realpathSync(spec.cwd);
  if (checks.cwdInMount && !mounts.some((m) => isWithin(cwd, m.path))) {
    throw new OuroError('internal', `Sandbox cwd ${spec.cwd} is not inside any of its mounts.`);
  }
  return { mounts, cwd };
}
