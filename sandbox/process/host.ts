/**
 * What the process sandbox needs to know about, and do to, the host: where the wrapper tools
 * are, whether the sandbox user can reach a path, who owns a writable mount, how many
 * processes a user has. Synchronous where it runs once at start-up, async per run.
 */
import { accessSync, constants, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { lchown, lstat, readdir } from 'node:fs/promises';
import { delimiter, dirname, join, sep } from 'node:path';
import { OuroError } from '../../core/errors.ts';

const STANDARD_BIN_DIRS = ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin'];

/** Absolute path of an executable, looked up in the standard system dirs then the host PATH. */
export function findExecutable(name: string, pathEnv: string | undefined = process.env.PATH): string | null {
  const dirs = [...STANDARD_BIN_DIRS, ...(pathEnv ?? '').split(delimiter).filter((d) => d.startsWith('/'))];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Every ancestor directory of an absolute path, outermost first ('/', '/a', '/a/b' for /a/b/c). */
export function ancestors(path: string): string[] {
  const parts = path.split(sep).filter(Boolean);
  const out = ['/'];
  for (let i = 1; i < parts.length; i++) out.push(sep + parts.slice(0, i).join(sep));
  return out;
}

function permBits(st: { uid: number; gid: number; mode: number }, uid: number, gid: number): number {
  if (st.uid === uid) return (st.mode >> 6) & 7;
  if (st.gid === gid) return (st.mode >> 3) & 7;
  return st.mode & 7;
}

function homeHint(dir: string): string {
  if (dir === '/root' || dir.startsWith('/root/') || dir === '/home' || /^\/home\/[^/]+$/.test(dir)) {
    return `, or set OURO_HOME to a folder outside ${dir} (e.g. /var/lib/ouro)`;
  }
  return '';
}

/**
 * Checks that a user who is neither root nor the owner (the sandbox's uid/gid) can reach `path`:
 * search (x) on every ancestor of the path as given and of its real path, and on the path itself
 * `need` (`'read'`: r, plus x for a directory; `'exec'`: r+x; `'search'`: only the ancestors
 * matter, e.g. a writable mount the driver chowns to the sandbox user). Returns an actionable
 * message, or null when everything is reachable.
 */
export function unreachableReason(
  path: string,
  need: 'read' | 'exec' | 'search',
  uid: number,
  gid: number,
  what: string,
): string | null {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return `The ${what} ${path} does not exist.`;
  }
  const dirs = new Set([...ancestors(path), ...ancestors(real)]);
  for (const dir of dirs) {
    let st;
    try {
      st = statSync(dir);
    } catch {
      continue; // a lexical ancestor that is a dangling symlink; the real path decides
    }
    if ((permBits(st, uid, gid) & 1) === 0) {
      return (
        `The sandbox user (uid ${uid}) cannot reach the ${what} ${path}: ${dir} is mode ` +
        `${(st.mode & 0o777).toString(8).padStart(4, '0')} (owner uid ${st.uid}). ` +
        `Fix: run \`chmod o+x ${dir}\`${homeHint(dir)}.`
      );
    }
  }
  if (need === 'search') return null;
  const st = statSync(real);
  const bits = permBits(st, uid, gid);
  const wanted = need === 'exec' || st.isDirectory() ? 5 : 4;
  if ((bits & wanted) !== wanted) {
    return (
      `The sandbox user (uid ${uid}) cannot ${need === 'exec' ? 'run' : 'read'} the ${what} ${path}: ` +
      `${real} is mode ${(st.mode & 0o777).toString(8).padStart(4, '0')} (owner uid ${st.uid}). ` +
      `Fix: run \`chmod o+r${wanted === 5 ? 'X' : ''} ${real}\`${homeHint(real)}.`
    );
  }
  return null;
}

export function assertReachable(
  path: string,
  need: 'read' | 'exec' | 'search',
  uid: number,
  gid: number,
  what: string,
): void {
  const reason = unreachableReason(path, need, uid, gid, what);
  if (reason !== null) throw new OuroError('sandbox_unavailable', reason);
}

/**
 * The interpreter's installation roots: the venv (when `python` lives in one) and the real
 * prefix of the binary it runs (symlinks resolved, and the venv's `pyvenv.cfg` home).
 */
export function pythonRoots(python: string): string[] {
  const roots = new Set<string>();
  const venv = dirname(dirname(python));
  try {
    const cfg = readFileSync(join(venv, 'pyvenv.cfg'), 'utf8');
    roots.add(realpathSync(venv));
    const home = /^\s*home\s*=\s*(.+?)\s*$/m.exec(cfg)?.[1];
    if (home !== undefined && home.startsWith('/')) {
      try {
        roots.add(dirname(realpathSync(home)));
      } catch {
        // a venv whose base interpreter moved; the real path below still counts
      }
    }
  } catch {
    // not a venv
  }
  try {
    roots.add(dirname(dirname(realpathSync(python))));
  } catch {
    // checked (and reported) by the caller
  }
  return [...roots];
}

/** Tasks per real uid, from one pass over /proc: RLIMIT_NPROC counts threads, so this sums `Threads:`. */
export function tasksByUid(): Map<number, number> {
  const counts = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const m = /^Uid:\s+(\d+)/m.exec(status);
      if (m === null) continue;
      const uid = Number(m[1]);
      counts.set(uid, (counts.get(uid) ?? 0) + Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 1));
    } catch {
      // exited meanwhile
    }
  }
  return counts;
}

/** How many tasks the real uid owns. */
export function processCount(uid: number): number {
  return tasksByUid().get(uid) ?? 0;
}

/**
 * Sets the owner of a tree without following symlinks (lchown on everything, recursion only
 * into real directories), so a link planted by sandboxed code cannot redirect it.
 */
export async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  let st;
  try {
    st = await lstat(path);
  } catch {
    return;
  }
  await lchown(path, uid, gid).catch(() => undefined);
  if (!st.isDirectory()) return;
  let entries: string[];
  try {
    entries = await readdir(path);
  } catch {
    return;
  }
  for (const entry of entries) await chownTree(join(path, entry), uid, gid);
}

/**
 * Writable mounts belong to the sandbox user while it runs (only when ouro runs as root and so
 * can chown); returns how to hand them back to their previous owners.
 */
export async function lendWritable(
  paths: readonly string[],
  root: boolean,
  uid: number,
  gid: number,
): Promise<() => Promise<void>> {
  const owners: { path: string; uid: number; gid: number }[] = [];
  if (root) {
    for (const path of paths) {
      const st = statSync(path);
      owners.push({ path, uid: st.uid, gid: st.gid });
      await chownTree(path, uid, gid);
    }
  }
  return async () => {
    for (const o of owners) await chownTree(o.path, o.uid, o.gid);
  };
}
