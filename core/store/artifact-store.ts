import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, normalize, relative, resolve, sep } from 'node:path';
import { OuroError } from '../errors.ts';
import { writeFileAtomic } from './json-file.ts';

/**
 * Where uploads, run artifacts and the model registry live, by key (`uploads/<run>/<file>`,
 * `runs/<run>/...`, `vault/<run>/...`, `registry/<name>/...`). The filesystem adapter is the
 * embedded default; the S3 adapter (s3-artifact-store.ts) lets bot, workers and deploy live on
 * different hosts. Files move as streams: nothing here holds a whole upload in memory.
 * Keys use `/` and never escape the store's root.
 */
export interface ArtifactStore {
  /** `fs` shares its files with OURO_HOME; `s3` is remote, so processes copy what they need. */
  readonly kind: 'fs' | 's3';
  /** Copies a local file into the store under `key` (streamed). */
  putFile(key: string, localPath: string): Promise<void>;
  /** Copies `key` out of the store to a local path (streamed; a no-op when they are the same file). */
  getFile(key: string, localPath: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /**
   * Writes a small document in one piece: readers see the old content or the new one. With
   * `ifAbsent`, only when nothing is at `key` yet; with `ifTag`, only when the document is still
   * the one `getTagged` returned with that tag (compare-and-swap). False when the condition failed.
   */
  putBytes(key: string, data: string | Uint8Array, opts?: WriteCondition): Promise<boolean>;
  /** A small document, or null when there is none. */
  getBytes(key: string): Promise<Buffer | null>;
  /** A small document with a tag that changes whenever it is rewritten (for `ifTag`). */
  getTagged(key: string): Promise<{ data: Buffer; tag: string } | null>;
  /** Every key under `prefix` (a folder, ending in `/`), sorted. */
  list(prefix: string): Promise<string[]>;
  /** The names directly under `prefix`: files as `name`, folders as `name/`. */
  children(prefix: string): Promise<string[]>;
  /** Removes every key under `prefix`. */
  deletePrefix(prefix: string): Promise<void>;
}

export interface WriteCondition {
  ifAbsent?: boolean;
  ifTag?: string;
}

/** A store key made of parts, checked for `..` and stray separators. */
export function storeKey(...parts: string[]): string {
  const key = parts.join('/').replace(/\/+/g, '/');
  if (key.split('/').some((p) => p === '..'))
    throw new OuroError('internal', `store key escapes the store: ${key}`);
  return key.replace(/^\//, '');
}

export class FsArtifactStore implements ArtifactStore {
  readonly kind = 'fs' as const;
  constructor(private readonly root: string) {}

  private path(key: string): string {
    const clean = normalize(key).replace(/^([/\\])+/, '');
    if (clean.startsWith('..')) throw new OuroError('internal', `store key escapes the store: ${key}`);
    return join(this.root, clean);
  }

  async putFile(key: string, localPath: string): Promise<void> {
    const dest = this.path(key);
    if (resolve(dest) === resolve(localPath)) return;
    await mkdir(dirname(dest), { recursive: true, mode: 0o755 });
    await copyFile(localPath, dest);
  }

  async getFile(key: string, localPath: string): Promise<void> {
    const src = this.path(key);
    if (resolve(src) === resolve(localPath)) return;
    await mkdir(dirname(localPath), { recursive: true, mode: 0o755 });
    await copyFile(src, localPath);
  }

  async exists(key: string): Promise<boolean> {
    return stat(this.path(key)).then(
      () => true,
      () => false,
    );
  }

  async putBytes(key: string, data: string | Uint8Array, opts: WriteCondition = {}): Promise<boolean> {
    const path = this.path(key);
    if (opts.ifTag !== undefined) {
      // Check-then-rename: atomic for the readers, but two writers in the same instant can both
      // pass the check. On one machine the registry uses core/registry.ts, not this.
      const current = await this.getTagged(key);
      if (current?.tag !== opts.ifTag) return false;
      await writeFileAtomic(path, data);
      return true;
    }
    if (opts.ifAbsent !== true) {
      await writeFileAtomic(path, data);
      return true;
    }
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    try {
      // 'wx' is the filesystem's create-if-absent: two writers cannot both succeed.
      await writeFile(path, data, { flag: 'wx', mode: 0o644 });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  }

  async getBytes(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.path(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async getTagged(key: string): Promise<{ data: Buffer; tag: string } | null> {
    const data = await this.getBytes(key);
    return data === null ? null : { data, tag: createHash('sha256').update(data).digest('hex') };
  }

  async list(prefix: string): Promise<string[]> {
    const base = this.path(prefix);
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (
          (err as NodeJS.ErrnoException).code === 'ENOENT' ||
          (err as NodeJS.ErrnoException).code === 'ENOTDIR'
        )
          return;
        throw err;
      }
      for (const e of entries) {
        const p = join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        // Temporary files of an atomic write in progress are not keys.
        else if (e.isFile() && !e.name.endsWith('.tmp'))
          out.push(relative(this.root, p).split(sep).join('/'));
      }
    };
    await walk(base);
    return out.sort();
  }

  async children(prefix: string): Promise<string[]> {
    try {
      const entries = await readdir(this.path(prefix), { withFileTypes: true });
      return entries
        .filter((e) => !e.name.endsWith('.tmp'))
        .map((e) => (e.isDirectory() ? `${e.name}/` : e.name))
        .sort();
    } catch (err) {
      if (
        (err as NodeJS.ErrnoException).code === 'ENOENT' ||
        (err as NodeJS.ErrnoException).code === 'ENOTDIR'
      )
        return [];
      throw err;
    }
  }

  async deletePrefix(prefix: string): Promise<void> {
    await rm(this.path(prefix), { recursive: true, force: true });
  }
}
