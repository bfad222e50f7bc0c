import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { OuroError } from './errors.ts';
import { claimModelName, OPERATOR } from './model-owner.ts';
import { ModelCardSchema, type ModelCard } from './schemas/model-card.ts';
import { readJson, readJsonIfExists, writeJsonAtomic } from './store/json-file.ts';
import { copyUntrustedFile, copyUntrustedTree, UNTRUSTED_CAPS } from './untrusted-files.ts';

/**
 * The model registry: a name is a stable alias over numbered versions. A version folder is
 * complete before `current.json` points at it, so readers never see a half-written model.
 *
 *   registry/<name>/versions/<n>/{model/, train.py, card.json}
 *   registry/<name>/current.json   {"version": n}
 */

const PointerSchema = z.object({ version: z.number().int().positive(), updatedAt: z.string() });

export function registryRoot(home: string): string {
  return join(home, 'registry');
}

export function versionDir(home: string, name: string, version: number): string {
  return join(registryRoot(home), name, 'versions', String(version));
}

/** A registry-safe name from free text: lowercase, digits and dashes. */
export function slugifyModelName(text: string): string {
  const slug = text
    .toLowerCase()
    .replace(/\.[a-z0-9]+$/i, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return slug.length > 0 ? slug : 'model';
}

async function versionsOf(home: string, name: string): Promise<number[]> {
  try {
    const entries = await readdir(join(registryRoot(home), name, 'versions'));
    return entries
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0)
      .sort((a, b) => a - b);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export interface PublishInput {
  modelDir: string;
  scriptPath: string;
  card: Omit<ModelCard, 'version' | 'name'>;
  /** Files shown beside the card (a chart), copied into the version folder under `name`. */
  extraFiles?: { from: string; name: string }[];
  /** false: the version is stored but the alias does not move (a challenger that did not beat the champion). */
  promote?: boolean;
}

/**
 * Publishes a version. `opts.version` is a number already claimed elsewhere (a remote store,
 * core/store/store-registry.ts); this folder is then only the worker's scratch copy of it.
 */
export async function publishModel(
  home: string,
  name: string,
  input: PublishInput,
  opts: { version?: number } = {},
): Promise<ModelCard> {
  // A scratch copy (opts.version, core/store/store-registry.ts) was claimed in the store already.
  if (opts.version === undefined)
    await claimModelName(registryRoot(home), name, input.card.owner ?? OPERATOR);
  const { version, dir } =
    opts.version === undefined
      ? await claimVersion(home, name)
      : await scratchVersion(home, name, opts.version);
  // What is copied was written in a sandbox: folders and plain files only, never a link (a
  // planted `forecast.png -> /proc/self/environ` would otherwise be served to anyone).
  let card: ModelCard;
  try {
    await copyUntrustedTree(input.modelDir, join(dir, 'model'), { root: dirname(input.modelDir) });
    await copyUntrustedFile(input.scriptPath, join(dir, 'train.py'), {
      root: dirname(input.scriptPath),
      maxBytes: UNTRUSTED_CAPS.text,
    });
    for (const f of input.extraFiles ?? [])
      await copyUntrustedFile(f.from, join(dir, basename(f.name)), {
        root: dirname(f.from),
        maxBytes: UNTRUSTED_CAPS.image,
      });
    card = ModelCardSchema.parse({ ...input.card, name, version });
    await writeJsonAtomic(join(dir, 'card.json'), card);
  } catch (err) {
    // A refused copy leaves no half version behind (current.json never pointed at it).
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  // Two workers may finish runs for the same name at once: the alias only ever moves forward
  // on publish. Read-compare-write under a lock, or the older version could be written last.
  if (input.promote === false) return card;
  await withPointerLock(home, name, async () => {
    const current = await currentVersion(home, name);
    if (current === null || current < version) await setCurrentVersion(home, name, version);
  });
  return card;
}

/** A lock taken by a non-recursive mkdir (atomic across processes); a holder that died releases it after 10 s. */
async function withPointerLock(home: string, name: string, fn: () => Promise<void>): Promise<void> {
  const lock = join(registryRoot(home), name, '.pointer.lock');
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const st = await stat(lock).catch(() => null);
      if (st !== null && Date.now() - st.mtimeMs > 10_000) await rm(lock, { recursive: true, force: true });
      else if (Date.now() > deadline)
        throw new OuroError(
          'internal',
          `The registry pointer of "${name}" stayed locked (${lock}); remove that folder if no publish is running.`,
        );
      else await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
    }
  }
  try {
    await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/**
 * Reserves the next version number. A non-recursive mkdir is atomic, so concurrent publishers
 * (several workers, several processes) each get their own folder instead of writing into one.
 */
async function claimVersion(home: string, name: string): Promise<{ version: number; dir: string }> {
  await mkdir(join(registryRoot(home), name, 'versions'), { recursive: true });
  let version = ((await versionsOf(home, name)).at(-1) ?? 0) + 1;
  for (;;) {
    const dir = versionDir(home, name, version);
    try {
      await mkdir(dir);
      return { version, dir };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      version += 1;
    }
  }
}

async function scratchVersion(
  home: string,
  name: string,
  version: number,
): Promise<{ version: number; dir: string }> {
  const dir = versionDir(home, name, version);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  return { version, dir };
}

export async function setCurrentVersion(home: string, name: string, version: number): Promise<void> {
  const versions = await versionsOf(home, name);
  if (!versions.includes(version))
    throw new OuroError(
      'model_not_found',
      `Model "${name}" has no version ${version} (versions: ${versions.join(', ') || 'none'}).`,
    );
  await writeJsonAtomic(join(registryRoot(home), name, 'current.json'), {
    version,
    updatedAt: new Date().toISOString(),
  });
}

export async function currentVersion(home: string, name: string): Promise<number | null> {
  const pointer = await readJsonIfExists(join(registryRoot(home), name, 'current.json'), PointerSchema);
  return pointer?.version ?? null;
}

export async function readCard(home: string, name: string, version?: number): Promise<ModelCard> {
  const v = version ?? (await currentVersion(home, name));
  if (v === null)
    throw new OuroError('model_not_found', `No model named "${name}". See \`ouro models list\`.`);
  return readJson(join(versionDir(home, name, v), 'card.json'), ModelCardSchema);
}

export async function listModels(
  home: string,
): Promise<{ name: string; version: number; versions: number[] }[]> {
  let names: string[];
  try {
    names = await readdir(registryRoot(home));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: { name: string; version: number; versions: number[] }[] = [];
  for (const name of names.sort()) {
    const version = await currentVersion(home, name);
    if (version !== null) out.push({ name, version, versions: await versionsOf(home, name) });
  }
  return out;
}

export async function deleteModel(home: string, name: string): Promise<void> {
  if ((await currentVersion(home, name)) === null)
    throw new OuroError('model_not_found', `No model named "${name}".`);
  await rm(join(registryRoot(home), name), { recursive: true, force: true });
}
