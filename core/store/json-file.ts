import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { z } from 'zod';

/**
 * Writes a file so that readers see the old content or the new one, never half of one.
 * The temporary name is random: two writers in one process within one millisecond (two runs
 * publishing at once) must not share it.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, path);
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/** Reads and validates a JSON document; the schema is the boundary where it becomes trusted. */
export async function readJson<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>> {
  const text = await readFile(path, 'utf8');
  return schema.parse(JSON.parse(text));
}

export async function readJsonIfExists<S extends z.ZodType>(
  path: string,
  schema: S,
): Promise<z.infer<S> | null> {
  try {
    return await readJson(path, schema);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
