/**
 * The argv of the process sandbox: `setpriv` (drop root) → `prlimit` (rlimits) → `bwrap`
 * (namespaces and an allow-listed filesystem) → the command. Pure builders plus one function
 * that reads the host's filesystem layout, so the shape of the sandbox can be tested on its own.
 */
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { sep } from 'node:path';
import type { SandboxLimits } from '../driver.ts';

/** System directories bound read-only (or recreated as symlinks on merged-/usr hosts). */
export const SYSTEM_DIRS = ['/usr', '/bin', '/lib', '/lib64'] as const;

/** The part of /etc that Python and the C libraries it loads need; nothing else of /etc. */
export const ETC_FILES = [
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/localtime',
  '/etc/passwd',
  '/etc/group',
  '/etc/nsswitch.conf',
  '/etc/alternatives',
] as const;

export type SystemEntry = { kind: 'bind'; path: string } | { kind: 'symlink'; path: string; target: string };

/** How the system directories look on this host: real directories to bind, or symlinks to recreate. */
export function hostSystemLayout(dirs: readonly string[] = SYSTEM_DIRS): SystemEntry[] {
  const out: SystemEntry[] = [];
  for (const path of dirs) {
    let st;
    try {
      st = lstatSync(path);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) out.push({ kind: 'symlink', path, target: readlinkSync(path) });
    else if (st.isDirectory()) out.push({ kind: 'bind', path });
  }
  return out;
}

export function hostEtcFiles(files: readonly string[] = ETC_FILES): string[] {
  return files.filter((f) => existsSync(f));
}

/** True when `path` is `root` or lies under it. */
export function isWithin(path: string, root: string): boolean {
  if (root === '/') return true;
  return path === root || path.startsWith(root + sep);
}

export interface BwrapPlan {
  bwrap: string;
  /** The installed bwrap understands `--size` (0.5+): tmpfs mounts get a size. */
  supportsSize: boolean;
  /** The installed bwrap understands `--disable-userns` (0.8+). */
  disableUserns: boolean;
  tmpMb: number;
  system: SystemEntry[];
  etc: string[];
  /** Read-only binds of the interpreter's roots and the harness (real paths). */
  readOnly: string[];
  /** The run's mounts (real paths), bound at the same path. */
  mounts: { path: string; writable: boolean }[];
  cwd: string;
}

/**
 * bwrap's options, in the order bwrap applies them: namespaces, /proc, /dev, sized tmpfs for
 * /tmp and /dev/shm, the system allow-list, the interpreter, the harness, the run's mounts
 * (parents before children, so a writable folder inside a read-only one stays writable), and
 * last a read-only remount of the sandbox's root and /dev so nothing else is writable.
 */
export function bwrapArgs(plan: BwrapPlan): string[] {
  const a: string[] = [plan.bwrap, '--unshare-all'];
  if (plan.disableUserns) a.push('--unshare-user', '--disable-userns');
  a.push('--die-with-parent', '--new-session', '--hostname', 'ouro-sandbox');
  a.push('--proc', '/proc', '--dev', '/dev');
  const sized = (dest: string) => {
    if (plan.supportsSize) a.push('--size', String(plan.tmpMb * 1024 * 1024));
    a.push('--tmpfs', dest);
  };
  sized('/dev/shm');
  sized('/tmp');
  const bound: string[] = [];
  for (const entry of plan.system) {
    if (entry.kind === 'symlink') a.push('--symlink', entry.target, entry.path);
    else {
      a.push('--ro-bind', entry.path, entry.path);
      bound.push(entry.path);
    }
  }
  for (const file of plan.etc) a.push('--ro-bind-try', file, file);
  for (const path of plan.readOnly) {
    if (bound.some((root) => isWithin(path, root))) continue;
    a.push('--ro-bind', path, path);
    bound.push(path);
  }
  const mounts = [...plan.mounts].sort((x, y) => x.path.split(sep).length - y.path.split(sep).length);
  for (const m of mounts) a.push(m.writable ? '--bind' : '--ro-bind', m.path, m.path);
  a.push('--remount-ro', '/dev', '--remount-ro', '/');
  a.push('--chdir', plan.cwd, '--');
  return a;
}

/**
 * setpriv's part: as root, drop to the sandbox user (real and effective ids, no supplementary
 * groups); always no new privileges; optionally SIGKILL when the host process dies (for the
 * fallback without bwrap, whose --die-with-parent does this otherwise).
 */
export function setprivArgs(
  setpriv: string,
  opts: { uid?: number; gid?: number; pdeathsig?: boolean },
): string[] {
  const a = [setpriv];
  if (opts.uid !== undefined && opts.gid !== undefined)
    a.push(`--reuid=${opts.uid}`, `--regid=${opts.gid}`, '--clear-groups');
  a.push('--no-new-privs');
  if (opts.pdeathsig === true) a.push('--pdeathsig', 'SIGKILL');
  a.push('--');
  return a;
}

/** rlimits for the whole tree (inherited across fork and exec). */
export function prlimitArgs(prlimit: string, limits: SandboxLimits, nproc: number): string[] {
  const mb = 1024 * 1024;
  return [
    prlimit,
    `--as=${limits.memoryMb * mb}`,
    `--nproc=${nproc}`,
    `--fsize=${limits.fileSizeMb * mb}`,
    '--nofile=1024',
    '--core=0',
    '--',
  ];
}
