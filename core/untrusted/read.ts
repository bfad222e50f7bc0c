import type { Stats } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';
import type { z } from 'zod';
import {
  checkFolders,
  fmtBytes,
  O_NOFOLLOW,
  O_NONBLOCK,
  O_RDONLY,
  partsBelow,
  refusal,
  UNTRUSTED_CAPS,
  UntrustedFileError,
  type UntrustedOptions,
} from './checks.ts';

/**
 * Reads of sandbox-written files (core/untrusted-files.ts explains the rules): lstat, open
 * with O_NOFOLLOW | O_NONBLOCK, fstat against the lstat, read at most the cap.
 */

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
export async function openChecked(
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
