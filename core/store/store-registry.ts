import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { publishModel, versionDir, type PublishInput } from '../registry.ts';
import { OuroError } from '../errors.ts';
import { claimStoreModelName, OPERATOR } from '../model-owner.ts';
import { ModelCardSchema, type ModelCard } from '../schemas/model-card.ts';
import type { ArtifactStore } from './artifact-store.ts';
import { uploadFolder } from './sync-folder.ts';

/**
 * The model registry in a remote artifact store, the same layout as on disk (core/registry.ts):
 *
 *   registry/<name>/versions/<n>/{claim.json, model/, train.py, card.json}
 *   registry/<name>/current.json   {"version": n}   — written last, one PUT
 *
 * A version number is claimed with a create-only write of its claim.json, so workers on
 * different hosts never share one. The version's files are complete before the pointer moves,
 * and a single PUT is atomic: readers see the old version or the new one, never half of one.
 */

export const StorePointerSchema = z.object({ version: z.number().int().positive(), updatedAt: z.string() });

export const registryKeys = {
  names: 'registry/',
  pointer: (name: string) => `registry/${name}/current.json`,
  versions: (name: string) => `registry/${name}/versions/`,
  version: (name: string, version: number) => `registry/${name}/versions/${version}/`,
  key: (name: string) => `registry/${name}/key.json`,
};

export async function readStorePointer(store: ArtifactStore, name: string): Promise<number | null> {
  const bytes = await store.getBytes(registryKeys.pointer(name));
  return bytes === null ? null : StorePointerSchema.parse(JSON.parse(bytes.toString('utf8'))).version;
}

/** The next free version number of `name`, reserved for this caller alone. */
export async function claimStoreVersion(store: ArtifactStore, name: string): Promise<number> {
  const taken = (await store.children(registryKeys.versions(name)))
    .map((c) => Number(c.replace(/\/$/, '')))
    .filter((n) => Number.isInteger(n) && n > 0);
  let version = Math.max(0, ...taken) + 1;
  const claim = JSON.stringify({ claimedAt: new Date().toISOString(), host: hostname(), pid: process.pid });
  while (
    !(await store.putBytes(`${registryKeys.version(name, version)}claim.json`, claim, { ifAbsent: true }))
  )
    version += 1;
  return version;
}

/**
 * Publishes a model the worker trained: the version is built in the worker's scratch registry
 * (`home`), uploaded, and only then does the store's pointer move — forward only, as on disk.
 */
export async function publishToStore(
  store: ArtifactStore,
  home: string,
  name: string,
  input: PublishInput,
): Promise<ModelCard> {
  await claimStoreModelName(store, name, input.card.owner ?? OPERATOR);
  const version = await claimStoreVersion(store, name);
  // A throw-away registry in the worker's scratch folder: the store holds the real one.
  await mkdir(join(home, 'tmp'), { recursive: true });
  const scratch = await mkdtemp(join(home, 'tmp', 'publish-'));
  try {
    const card = await publishModel(scratch, name, input, { version });
    await uploadFolder(store, versionDir(scratch, name, version), registryKeys.version(name, version));
    // A challenger that did not win is stored for the record (and a manual rollback to it), not served.
    if (input.promote !== false) await movePointerForward(store, name, version);
    return card;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Moves the alias to `version` unless it already points at a later one. A compare-and-swap on
 * the pointer: two workers publishing at once cannot move it backwards (the later version wins
 * whichever writes last).
 */
export async function movePointerForward(store: ArtifactStore, name: string, version: number): Promise<void> {
  const key = registryKeys.pointer(name);
  const doc = JSON.stringify({ version, updatedAt: new Date().toISOString() }) + '\n';
  for (let attempt = 0; attempt < 50; attempt++) {
    const current = await store.getTagged(key);
    if (
      current !== null &&
      StorePointerSchema.parse(JSON.parse(current.data.toString('utf8'))).version >= version
    )
      return;
    if (await store.putBytes(key, doc, current === null ? { ifAbsent: true } : { ifTag: current.tag }))
      return;
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 80));
  }
  throw new OuroError(
    'internal',
    `Could not move the pointer of "${name}" to v${version}: it kept changing under concurrent publishers.`,
  );
}

/** The models in the store with a pointer (a first version still uploading has none yet). */
export async function listStoreModels(
  store: ArtifactStore,
): Promise<{ name: string; version: number; versions: number[] }[]> {
  const out: { name: string; version: number; versions: number[] }[] = [];
  for (const entry of await store.children(registryKeys.names)) {
    if (!entry.endsWith('/')) continue;
    const name = entry.slice(0, -1);
    const version = await readStorePointer(store, name);
    if (version === null) continue;
    const versions = (await store.children(registryKeys.versions(name)))
      .map((c) => Number(c.replace(/\/$/, '')))
      .filter((n) => Number.isInteger(n) && n > 0);
    out.push({ name, version, versions: versions.sort((a, b) => a - b) });
  }
  return out;
}

export async function readStoreCard(
  store: ArtifactStore,
  name: string,
  version?: number,
): Promise<ModelCard> {
  const v = version ?? (await readStorePointer(store, name));
  const bytes = v === null ? null : await store.getBytes(`${registryKeys.version(name, v)}card.json`);
  if (bytes === null)
    throw new OuroError(
      'model_not_found',
      `No model named "${name}"${version !== undefined ? ` with version ${version}` : ''} in the store.`,
    );
  return ModelCardSchema.parse(JSON.parse(bytes.toString('utf8')));
}

/** Points the alias at an existing version (a rollback): one PUT, as on publish. */
export async function setStorePointer(store: ArtifactStore, name: string, version: number): Promise<void> {
  if (!(await store.exists(`${registryKeys.version(name, version)}card.json`)))
    throw new OuroError('model_not_found', `Model "${name}" has no version ${version} in the store.`);
  await store.putBytes(
    registryKeys.pointer(name),
    JSON.stringify({ version, updatedAt: new Date().toISOString() }) + '\n',
  );
}

/** Removes a model: the pointer first, so no reader starts on a version that is going away. */
export async function deleteStoreModel(store: ArtifactStore, name: string): Promise<void> {
  if ((await readStorePointer(store, name)) === null)
    throw new OuroError('model_not_found', `No model named "${name}" in the store.`);
  await store.deletePrefix(registryKeys.pointer(name));
  await store.deletePrefix(`registry/${name}/`);
}
