import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { z } from 'zod';

/** Writes JSON so that readers see the old document or the new one, never half of one. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, JSON.stringify(value, null, 2) + '\n', { mode: 0o644 });
  await rename(tmp, path);
}

/** Reads and validates a JSON document; the schema is the boundary where it becomes trusted. */
export async function readJson<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>> {
  const text = await readFile(path, 'utf8');
  return schema.parse(JSON.parse(text));
}

export async function readJsonIfExists<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S> | null> {
  try {
    return await readJson(path, schema);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
