import { constants, type Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, rm, unlink, type FileHandle } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { z } from 'zod';
import { OuroError } from './errors.ts';

/**
 * The trust boundary (docs/architecture.md, "The trust boundary"): the ONE way the host reads
 * what a sandbox wrote, and the one way it writes beside it.
 *
 * Everything under a folder a sandbox could write is hostile: a file may be a symlink to
 * /proc/self/environ or to another team's key, a hard link, a FIFO that hangs an open(), a
 * device, or gigabytes. So every read here
 *   - walks from a host-owned `root` down, refusing any symlinked folder on the way;
 *   - lstat()s the file: regular, one link, under the size cap — before opening it;
 *   - opens with O_NOFOLLOW | O_NONBLOCK (a FIFO cannot block, a swapped-in symlink fails);
 *   - fstat()s the open descriptor and checks it is the file that was lstat()ed;
 *   - reads at most the cap.
 * Every host write into such a folder unlinks what is there and creates the file with
 * O_CREAT | O_EXCL | O_NOFOLLOW, so it can never write through a planted link.
 * Copies (model folders into the registry) accept only folders and plain files.
 *
 * A plain `readFile`/`writeFile`/`cp` on a sandbox-writable path is a bug; test/trust-boundary
 * .test.ts greps the tree for them.
 */

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK, O_WRONLY, O_CREAT, O_EXCL } = constants;

const MiB = 1024 * 1024;

/** Size caps by kind of file: generous for honest output, far below what hurts the host. */
export const UNTRUSTED_CAPS = {
  /** metrics.json, signature.json, profile.json, journal-sized documents. */
  json: 32 * MiB,
  /** predictions of a holdout: one value (and class probabilities) per row. */
  predictions: 512 * MiB,
  /** train.py and other text read back for a prompt. */
  text: 2 * MiB,
  /** chart PNGs shown in a thread or on a model page. */
  image: 16 * MiB,
  /** A whole model folder copied into the registry. */
  tree: 4096 * MiB,
} as const;

/** Refusal to read or copy a sandbox-written file; the message names the file and says why. */
export class UntrustedFileError extends OuroError {
  /** The file's path relative to the root it was read under (what messages show). */
  readonly file: string;
  /** `missing` when nothing is there; otherwise what was wrong with it. */
  readonly reason: 'missing' | 'symlink' | 'hardlink' | 'not_regular' | 'too_large' | 'invalid' | 'outside';
  constructor(file: string, reason: UntrustedFileError['reason'], message: string) {
    super('untrusted_file', message);
    this.name = 'UntrustedFileError';
    this.file = file;
    this.reason = reason;
  }
}

export interface UntrustedOptions {
  /**
   * A folder the host created and no sandbox can replace (the experiment folder, the run's
   * validation folder): every path component BELOW it is checked, none may be a symlink.
   */
  root: string;
  /** Bytes; defaults to UNTRUSTED_CAPS.json. */
  maxBytes?: number;
}

function fmtBytes(n: number): string {
  return n >= MiB ? `${(n / MiB).toFixed(1)} MB` : `${n} bytes`;
}

function kindOf(st: Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** `path` as components below `root`; refuses anything that is not lexically inside it. */
function partsBelow(root: string, path: string): string[] {
  const rel = relative(resolve(root), resolve(path));
  if (rel === '' || rel.startsWith('..') || rel.startsWith(sep) || resolve(root, rel) !== resolve(path)) {
    throw new UntrustedFileError(
      path,
      'outside',
      `${path} is not inside ${root}; the host only reads sandbox output below the folder it gave the sandbox.`,
    );
  }
  return rel.split(sep);
}

/** Every folder between `root` and the last component must be a real folder, not a link. */
async function checkFolders(root: string, parts: string[]): Promise<void> {
  let at = resolve(root);
  for (const part of parts.slice(0, -1)) {
    at = join(at, part);
    const st = await lstat(at).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return null;
      throw err;
    });
    const shown = parts.join('/');
    if (st === null) throw new UntrustedFileError(shown, 'missing', `${shown} is missing.`);
    if (!st.isDirectory()) {
      throw new UntrustedFileError(
        shown,
        st.isSymbolicLink() ? 'symlink' : 'not_regular',
        `${shown} was refused: ${relative(root, at)} is ${kindOf(st)}, not a folder (sandbox output may not contain links).`,
      );
    }
  }
}

/** Why a stat of sandbox output is unacceptable as a plain file, or null when it is fine. */
function refusal(shown: string, st: Stats, maxBytes: number): UntrustedFileError | null {
  if (st.isSymbolicLink())
    return new UntrustedFileError(
      shown,
      'symlink',
      `${shown} was refused: it is a symbolic link (sandbox output must be regular files).`,
    );
  if (!st.isFile())
    return new UntrustedFileError(
      shown,
      'not_regular',
      `${shown} was refused: it is ${kindOf(st)}, not a regular file.`,
    );
  if (st.nlink !== 1)
    return new UntrustedFileError(
      shown,
      'hardlink',
      `${shown} was refused: it has ${st.nlink} hard links (sandbox output must not link to other files).`,
    );
  if (st.size > maxBytes)
    return new UntrustedFileError(
      shown,
      'too_large',
      `${shown} was refused: it is ${fmtBytes(st.size)}, over the ${fmtBytes(maxBytes)} limit for this kind of file.`,
    );
  return null;
}

/**
 * What is at `path`: 'missing', 'ok' (a plain file under the cap), or the refusal. Lets the
 * experiment runner tell "left no metrics.json" from "left a metrics.json that is a link".
 */
export async function checkUntrustedFile(
  path: string,
  opts: UntrustedOptions,
): Promise<'missing' | 'ok' | UntrustedFileError> {
  const checked = await statUntrusted(path, opts);
  return checked instanceof UntrustedFileError || checked === 'missing' ? checked : 'ok';
}

/** The checks of checkUntrustedFile, keeping the lstat of an acceptable file for the caller. */
async function statUntrusted(
  path: string,
  opts: UntrustedOptions,
): Promise<'missing' | Stats | UntrustedFileError> {
  const parts = partsBelow(opts.root, path);
  const shown = parts.join('/');
  try {
    await checkFolders(opts.root, parts);
  } catch (err) {
    if (err instanceof UntrustedFileError) return err.reason === 'missing' ? 'missing' : err;
    throw err;
  }
  const st = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return null;
    throw err;
  });
  if (st === null) return 'missing';
  return refusal(shown, st, opts.maxBytes ?? UNTRUSTED_CAPS.json) ?? st;
}

/** Opens a sandbox-written file for reading after every check above; the caller closes it. */
async function openChecked(
  path: string,
  opts: UntrustedOptions,
): Promise<{ fh: FileHandle; size: number; shown: string }> {
  const maxBytes = opts.maxBytes ?? UNTRUSTED_CAPS.json;
  const before = await statUntrusted(path, opts);
  const shown = partsBelow(opts.root, path).join('/');
  if (before === 'missing') throw new UntrustedFileError(shown, 'missing', `${shown} is missing.`);
  if (before instanceof UntrustedFileError) throw before;
  let fh: FileHandle;
  try {
    fh = await open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (err) {
    // ELOOP: the file became a symlink between lstat and open.
    if ((err as NodeJS.ErrnoException).code === 'ELOOP')
      throw new UntrustedFileError(
        shown,
        'symlink',
        `${shown} was refused: it is a symbolic link (sandbox output must be regular files).`,
      );
    throw err;
  }
  try {
    const st = await fh.stat();
    const bad = refusal(shown, st, maxBytes);
    if (bad !== null) throw bad;
    if (st.ino !== before.ino || st.dev !== before.dev)
      throw new UntrustedFileError(shown, 'invalid', `${shown} was refused: it changed while being opened.`);
    return { fh, size: st.size, shown };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** Reads a whole sandbox-written file (at most `maxBytes`) without following any link. */
export async function readUntrusted(path: string, opts: UntrustedOptions): Promise<Buffer> {
  const maxBytes = opts.maxBytes ?? UNTRUSTED_CAPS.json;
  const { fh, size, shown } = await openChecked(path, opts);
  try {
    // One byte past the cap tells a file that grew after fstat from one that fits.
    const buf = Buffer.alloc(Math.min(size, maxBytes) + 1);
    let got = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
      if (got === buf.length) break;
    }
    if (got > maxBytes)
      throw new UntrustedFileError(
        shown,
        'too_large',
        `${shown} was refused: it grew past the ${fmtBytes(maxBytes)} limit while being read.`,
      );
    return buf.subarray(0, got);
  } finally {
    await fh.close();
  }
}

export async function readUntrustedText(path: string, opts: UntrustedOptions): Promise<string> {
  return (await readUntrusted(path, opts)).toString('utf8');
}

/**
 * Reads and validates a sandbox-written JSON document. The error never quotes the content:
 * JSON.parse's own message shows the first bytes, which for a planted link were the host's
 * environment.
 */
export async function readUntrustedJson<S extends z.ZodType>(
  path: string,
  schema: S,
  opts: UntrustedOptions,
): Promise<z.infer<S>> {
  const text = await readUntrustedText(path, opts);
  const shown = partsBelow(opts.root, path).join('/');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UntrustedFileError(
      shown,
      'invalid',
      `${shown} is not valid JSON (${fmtBytes(Buffer.byteLength(text))}).`,
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
    throw new UntrustedFileError(
      shown,
      'invalid',
      `${shown} does not match its contract${where}: ${(issue?.message ?? 'invalid').slice(0, 200)}.`,
    );
  }
  return parsed.data;
}

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
