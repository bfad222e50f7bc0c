/**
 * One bearer key per model name. Only its SHA-256 is stored (registry/<name>/key.json); the
 * plaintext is shown once, when the key is made. Checks compare hashes in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { registryRoot } from '../core/registry.ts';
import type { ArtifactStore } from '../core/store/artifact-store.ts';
import { readJsonIfExists, writeFileAtomic } from '../core/store/json-file.ts';
import { registryKeys } from '../core/store/store-registry.ts';
import { ServeError } from './errors.ts';

const KeyFileSchema = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), createdAt: z.string() });
export type KeyFile = z.infer<typeof KeyFileSchema>;

export function keyPath(home: string, name: string): string {
  return join(registryRoot(home), name, 'key.json');
}

/** `ouro_` and 32 random base64url characters (192 bits). */
export function newKey(): string {
  return `ouro_${randomBytes(24).toString('base64url')}`;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented key with a stored hash. */
export function keyMatches(presented: string, storedSha256: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = Buffer.from(storedSha256, 'hex');
  return b.length === a.length && timingSafeEqual(a, b);
}

/** Checks the bearer key presented for a known model: 401 without one, 403 for a wrong one. */
export function keyRefusal(
  name: string,
  presented: string | null,
  storedSha256: string | null,
): ServeError | null {
  if (presented === null)
    return new ServeError(
      401,
      'unauthorized',
      `This model needs a key: send "Authorization: Bearer <key>". Make one with \`ouro models key rotate ${name}\`.`,
    );
  if (storedSha256 === null)
    return new ServeError(
      403,
      'forbidden',
      `Model "${name}" has no key yet; make one with \`ouro models key rotate ${name}\`.`,
    );
  if (!keyMatches(presented, storedSha256))
    return new ServeError(403, 'forbidden', `That key is not valid for model "${name}".`);
  return null;
}

export async function readKeyFile(home: string, name: string): Promise<KeyFile | null> {
  return readJsonIfExists(keyPath(home, name), KeyFileSchema);
}

function keyDocument(key: string): string {
  return JSON.stringify({ sha256: hashKey(key), createdAt: new Date().toISOString() }, null, 2) + '\n';
}

/** A key for a model that has none yet; null when it already has one (never overwritten here). */
export async function createKeyIfMissing(home: string, name: string): Promise<string | null> {
  const key = newKey();
  try {
    // 'wx': two deployers racing cannot both believe they made the key.
    await writeFile(keyPath(home, name), keyDocument(key), { mode: 0o600, flag: 'wx' });
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw err;
  }
}

/**
 * The same for a registry in a remote store (core/store/store-registry.ts): a create-only
 * write, so two workers on different hosts cannot both believe they made the key.
 */
export async function createStoreKeyIfMissing(store: ArtifactStore, name: string): Promise<string | null> {
  const key = newKey();
  return (await store.putBytes(registryKeys.key(name), keyDocument(key), { ifAbsent: true })) ? key : null;
}

/** Replaces the key of a model in a remote store; deploy replicas pick it up at their next poll. */
export async function rotateStoreKey(store: ArtifactStore, name: string): Promise<string> {
  const key = newKey();
  await store.putBytes(registryKeys.key(name), keyDocument(key));
  return key;
}

/** Replaces the model's key; the old one stops working once the server sees the file (≤ 1 s). */
export async function rotateKey(home: string, name: string): Promise<string> {
  const key = newKey();
  const path = keyPath(home, name);
  await writeFileAtomic(path, keyDocument(key), 0o600);
  return key;
}

/** mtime of the key file, for the server's cache; null without one. */
export async function keyFileStamp(home: string, name: string): Promise<number | null> {
  try {
    return (await stat(keyPath(home, name))).mtimeMs;
  } catch {
    return null;
  }
}
