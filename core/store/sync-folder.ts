import { lstat, mkdir, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { ArtifactStore } from './artifact-store.ts';

/** What a file looked like when it was last uploaded: size and modification time. */
export type UploadStamps = Map<string, string>;

/**
 * Uploads the files under `localDir` to `prefix` (a store folder ending in `/`), one stream
 * at a time. With `stamps`, a file whose size and mtime match its last upload is skipped, so
 * a checkpoint only sends what changed since the previous one.
 */
export async function uploadFolder(
  store: ArtifactStore,
  localDir: string,
  prefix: string,
  opts: { stamps?: UploadStamps; skip?: (relPath: string) => boolean } = {},
): Promise<number> {
  let sent = 0;
  for (const rel of await localFiles(localDir)) {
    if (opts.skip?.(rel) === true) continue;
    const path = join(localDir, ...rel.split('/'));
    // Run folders hold sandbox output: only plain files (one link, not a symlink) are uploaded,
    // so a planted hard link to a host file never reaches the bucket (docs/architecture.md).
    const st = await lstat(path).catch(() => null);
    if (st === null || !st.isFile() || st.nlink !== 1) continue;
    const stamp = `${st.size}:${st.mtimeMs}`;
    if (opts.stamps?.get(rel) === stamp) continue;
    await store.putFile(prefix + rel, path);
    opts.stamps?.set(rel, stamp);
    sent += 1;
  }
  return sent;
}

/** Downloads every key under `prefix` into `localDir`, keeping the folder structure. */
export async function downloadFolder(
  store: ArtifactStore,
  prefix: string,
  localDir: string,
  opts: { mode?: number } = {},
): Promise<number> {
  const keys = await store.list(prefix);
  await mkdir(localDir, { recursive: true, mode: opts.mode ?? 0o755 });
  for (const key of keys) await store.getFile(key, join(localDir, ...key.slice(prefix.length).split('/')));
  return keys.length;
}

/** Files under `dir` as `/`-separated relative paths, without temporary files of atomic writes. */
async function localFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && !e.name.endsWith('.tmp')) out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  await walk(dir);
  return out.sort();
}
