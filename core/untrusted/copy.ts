import { lstat, mkdir, open, readdir, type FileHandle } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import {
  checkFolders,
  fmtBytes,
  kindOf,
  O_CREAT,
  O_EXCL,
  O_NOFOLLOW,
  O_WRONLY,
  partsBelow,
  refusal,
  UNTRUSTED_CAPS,
  UntrustedFileError,
  type UntrustedOptions,
} from './checks.ts';
import { openChecked } from './read.ts';

/**
 * Copies out of a sandbox-written folder (core/untrusted-files.ts explains the rules): only
 * folders and plain files, each read as openChecked reads it, the total capped.
 */

/** Copies one sandbox-written file to a host path that must not exist yet. */
export async function copyUntrustedFile(src: string, dest: string, opts: UntrustedOptions): Promise<number> {
  const { fh, shown } = await openChecked(src, opts);
  const maxBytes = opts.maxBytes ?? UNTRUSTED_CAPS.json;
  let out: FileHandle | null = null;
  try {
    out = await open(dest, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644);
    let copied = 0;
    const buf = Buffer.alloc(1024 * 1024);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, copied);
      if (bytesRead === 0) break;
      copied += bytesRead;
      if (copied > maxBytes)
        throw new UntrustedFileError(
          shown,
          'too_large',
          `${shown} was refused: it grew past the ${fmtBytes(maxBytes)} limit while being copied.`,
        );
      await out.write(buf, 0, bytesRead);
    }
    return copied;
  } finally {
    await fh.close();
    await out?.close();
  }
}

/**
 * Checks a sandbox-written folder the way copyUntrustedTree would copy it, without copying:
 * 'missing', 'ok', or the refusal naming the first link, FIFO or oversize file in it.
 */
export async function checkUntrustedTree(
  dir: string,
  opts: UntrustedOptions & { maxFiles?: number },
): Promise<'missing' | 'ok' | UntrustedFileError> {
  const maxBytes = opts.maxBytes ?? UNTRUSTED_CAPS.tree;
  const maxFiles = opts.maxFiles ?? 10_000;
  const parts = partsBelow(opts.root, dir);
  try {
    await checkFolders(opts.root, [...parts, '']);
  } catch (err) {
    if (err instanceof UntrustedFileError) return err.reason === 'missing' ? 'missing' : err;
    throw err;
  }
  let files = 0;
  let bytes = 0;
  const walk = async (at: string): Promise<UntrustedFileError | null> => {
    for (const name of await readdir(at)) {
      const child = join(at, name);
      const st = await lstat(child);
      const shown = relative(opts.root, child).split(sep).join('/');
      if (st.isDirectory()) {
        const bad = await walk(child);
        if (bad !== null) return bad;
        continue;
      }
      files += 1;
      bytes += st.size;
      const bad = refusal(shown, st, Number.MAX_SAFE_INTEGER);
      if (bad !== null) return bad;
      if (files > maxFiles)
        return new UntrustedFileError(
          shown,
          'too_large',
          `${relative(opts.root, dir)} was refused: it holds more than ${maxFiles} files.`,
        );
      if (bytes > maxBytes)
        return new UntrustedFileError(
          shown,
          'too_large',
          `${relative(opts.root, dir)} was refused: it is over the ${fmtBytes(maxBytes)} limit.`,
        );
    }
    return null;
  };
  return (await walk(resolve(dir))) ?? 'ok';
}

/**
 * Copies a sandbox-written folder (a saved model) to `dest`, which must not exist. Only
 * folders and plain files are copied; a link, a hard-linked file, a FIFO or a device anywhere
 * in it refuses the whole copy with a message naming the file. The total is capped too.
 */
export async function copyUntrustedTree(
  src: string,
  dest: string,
  opts: UntrustedOptions & { maxFiles?: number },
): Promise<{ files: number; bytes: number }> {
  const maxBytes = opts.maxBytes ?? UNTRUSTED_CAPS.tree;
  const maxFiles = opts.maxFiles ?? 10_000;
  const parts = partsBelow(opts.root, src);
  await checkFolders(opts.root, [...parts, '']);
  let files = 0;
  let bytes = 0;
  const walk = async (from: string, to: string): Promise<void> => {
    const st = await lstat(from);
    const shown = relative(opts.root, from).split(sep).join('/');
    if (!st.isDirectory())
      throw new UntrustedFileError(
        shown,
        st.isSymbolicLink() ? 'symlink' : 'not_regular',
        `${shown} was refused: it is ${kindOf(st)}, not a folder.`,
      );
    await mkdir(to, { mode: 0o755 });
    for (const name of (await readdir(from)).sort()) {
      const child = join(from, name);
      const cst = await lstat(child);
      if (cst.isDirectory()) {
        await walk(child, join(to, name));
        continue;
      }
      files += 1;
      if (files > maxFiles)
        throw new UntrustedFileError(
          shown,
          'too_large',
          `${shown} was refused: it holds more than ${maxFiles} files.`,
        );
      bytes += await copyUntrustedFile(child, join(to, name), {
        root: opts.root,
        maxBytes: maxBytes - bytes,
      });
    }
  };
  await walk(resolve(src), resolve(dest));
  return { files, bytes };
}
