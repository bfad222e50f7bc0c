import { copyFile, mkdir, stat } from 'node:fs/promises';
import { dirname, join, normalize, resolve } from 'node:path';
import { OuroError } from '../errors.ts';

/**
 * Where uploads and run artifacts live, by key (`uploads/<run>/<file>`, `runs/<run>/...`).
 * The filesystem adapter is the embedded default; an S3 adapter lets bot, workers and deploy
 * live on different hosts. Keys never escape the store's root.
 */
export interface ArtifactStore {
  /** Copies a local file into the store under `key`. */
  putFile(key: string, localPath: string): Promise<void>;
  /** Copies `key` out of the store to a local path (a no-op when they are the same file). */
  getFile(key: string, localPath: string): Promise<void>;
  exists(key: string): Promise<boolean>;
}

export class FsArtifactStore implements ArtifactStore {
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
}
