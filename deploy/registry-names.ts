/** The model names a registry folder holds, as the host (deploy/model-host.ts) polls them. */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { registryRoot } from '../core/registry.ts';

/** A registry name that is safe as a path part and a URL segment. */
export function isSafeName(name: string): boolean {
  return /^[a-z0-9][a-z0-9._-]{0,99}$/i.test(name) && !name.includes('..');
}

/** Each safe name with a current.json, and that pointer's mtime; looked at one by one as the caller iterates. */
export async function* registryPointers(home: string): AsyncGenerator<{ name: string; mtimeMs: number }> {
  let entries: string[];
  try {
    entries = await readdir(registryRoot(home));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    entries = [];
  }
  for (const name of entries) {
    if (!isSafeName(name)) continue;
    const pointer = join(registryRoot(home), name, 'current.json');
    const st = await stat(pointer).catch(() => null);
    if (st === null) continue;
    yield { name, mtimeMs: st.mtimeMs };
  }
}
