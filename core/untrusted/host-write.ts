import { lstat, mkdir, open, readFile, rm, unlink } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { kindOf, O_CREAT, O_EXCL, O_NOFOLLOW, O_WRONLY, partsBelow, UntrustedFileError } from './checks.ts';

/**
 * Host writes into a folder a sandbox can (or could) write (core/untrusted-files.ts explains
 * the rules): never through a name a sandbox planted.
 */

/**
 * Makes `dir` (below `root`) a fresh, empty, host-made folder: whatever a sandbox left at that
 * name — a link, a file, a folder full of links — is removed first (rm never follows links).
 */
export async function freshHostDir(dir: string, opts: { root: string; mode?: number }): Promise<void> {
  const parts = partsBelow(opts.root, dir);
  await ensureHostFolders(opts.root, parts);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { mode: opts.mode ?? 0o755 });
}

/** Creates the folders between root and the last component, refusing links on the way. */
async function ensureHostFolders(root: string, parts: string[]): Promise<void> {
  let at = resolve(root);
  for (const part of parts.slice(0, -1)) {
    at = join(at, part);
    const st = await lstat(at).catch(() => null);
    if (st === null) await mkdir(at, { mode: 0o755 });
    else if (!st.isDirectory())
      throw new UntrustedFileError(
        parts.join('/'),
        st.isSymbolicLink() ? 'symlink' : 'not_regular',
        `${relative(root, at)} is ${kindOf(st)}, not a folder; the host will not write through it.`,
      );
  }
}

/**
 * Writes a host file into a folder a sandbox can (or could) write: what is at the name is
 * unlinked (a link, not its target), then the file is created with O_EXCL | O_NOFOLLOW, so
 * a link planted in between makes the write fail instead of landing elsewhere.
 */
export async function writeHostFile(
  path: string,
  data: string | Uint8Array,
  opts: { root: string; mode?: number },
): Promise<void> {
  const parts = partsBelow(opts.root, path);
  await ensureHostFolders(opts.root, parts);
  await unlink(path).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return;
    if (err.code === 'EISDIR' || err.code === 'EPERM') return rm(path, { recursive: true, force: true });
    throw err;
  });
  const fh = await open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, opts.mode ?? 0o644);
  try {
    await fh.writeFile(data);
  } finally {
    await fh.close();
  }
}

/** Copies a HOST file (the vault's labels) into a folder a sandbox can write, as writeHostFile does. */
export async function copyHostFileInto(
  src: string,
  dest: string,
  opts: { root: string; mode?: number },
): Promise<void> {
  await writeHostFile(dest, await readFile(src), opts);
}
