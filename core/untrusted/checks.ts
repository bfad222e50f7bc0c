import { constants, type Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { OuroError } from '../errors.ts';

/**
 * The checks every part of the trust boundary shares (core/untrusted-files.ts is its one entry
 * point and explains the rules): the size caps, the refusal error, and the path and stat
 * checks a read, a copy or a host write makes before touching a sandbox-written name.
 */

export const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK, O_WRONLY, O_CREAT, O_EXCL } = constants;

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

export function fmtBytes(n: number): string {
  return n >= MiB ? `${(n / MiB).toFixed(1)} MB` : `${n} bytes`;
}

export function kindOf(st: Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** `path` as components below `root`; refuses anything that is not lexically inside it. */
export function partsBelow(root: string, path: string): string[] {
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
export async function checkFolders(root: string, parts: string[]): Promise<void> {
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
export function refusal(shown: string, st: Stats, maxBytes: number): UntrustedFileError | null {
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
