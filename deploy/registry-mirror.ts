import { readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../core/logger.ts';
import { currentVersion, registryRoot, setCurrentVersion, versionDir } from '../core/registry.ts';
import { runPaths } from '../core/run-paths.ts';
import { ModelCardSchema } from '../core/schemas/model-card.ts';
import type { ArtifactStore } from '../core/store/artifact-store.ts';
import { writeFileAtomic } from '../core/store/json-file.ts';
import { readStorePointer, registryKeys } from '../core/store/store-registry.ts';
import { downloadFolder } from '../core/store/sync-folder.ts';
import { pathExists } from '../core/store/path-exists.ts';
import { keyPath } from './api-keys.ts';
import { isSafeName } from './registry-names.ts';

/**
 * The deploy service's local cache of a registry that lives in a remote store. Every `pollMs`
 * it reads each model's pointer in the store; a new version is downloaded completely into
 * OURO_HOME/registry/<name>/versions/<n> (under a temporary name, then renamed), and only then
 * is the local pointer switched. The model host watches that local registry as it always has,
 * so the hot swap is the existing one, and a replica never serves a half-downloaded version.
 */
export class RegistryMirror {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly store: ArtifactStore,
    private readonly home: string,
    private readonly logger: Logger,
    private readonly pollMs: number,
  ) {}

  /** Syncs once (so the server starts with every model), then keeps polling. */
  async start(): Promise<void> {
    await this.syncOnce();
    const tick = () => {
      if (this.stopped) return;
      this.running = this.syncOnce()
        .catch((err: Error) => this.logger.error({ err: err.message }, 'registry sync from the store failed'))
        .finally(() => {
          this.running = null;
          if (!this.stopped) this.timer = setTimeout(tick, this.pollMs);
        });
    };
    this.timer = setTimeout(tick, this.pollMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    await this.running;
  }

  async syncOnce(): Promise<void> {
    const names = (await this.store.children(registryKeys.names))
      .filter((c) => c.endsWith('/'))
      .map((c) => c.slice(0, -1))
      .filter(isSafeName);
    const present = new Set<string>();
    for (const name of names) {
      // No pointer yet: the first version is still being published.
      const version = await readStorePointer(this.store, name);
      if (version === null) continue;
      present.add(name);
      await this.syncKey(name);
      if ((await currentVersion(this.home, name).catch(() => null)) === version) continue;
      await this.fetchVersion(name, version);
      await setCurrentVersion(this.home, name, version);
      this.logger.info({ model: name, version }, 'new version from the store');
    }
    // Deleted from the store: drop the local copy, and the model host stops serving it.
    for (const name of await localNames(this.home)) {
      if (!present.has(name)) await rm(join(registryRoot(this.home), name), { recursive: true, force: true });
    }
  }

  private async syncKey(name: string): Promise<void> {
    const remote = await this.store.getBytes(registryKeys.key(name));
    if (remote === null) return;
    const local = await readFile(keyPath(this.home, name)).catch(() => null);
    if (local === null || !local.equals(remote))
      await writeFileAtomic(keyPath(this.home, name), remote, 0o600);
  }

  private async fetchVersion(name: string, version: number): Promise<void> {
    const dir = versionDir(this.home, name, version);
    if (!(await pathExists(join(dir, 'card.json')))) {
      // Not a number, so the local registry does not count it as a version while it downloads.
      const partial = `${dir}.partial`;
      await rm(partial, { recursive: true, force: true });
      await downloadFolder(this.store, registryKeys.version(name, version), partial);
      await rm(dir, { recursive: true, force: true });
      await rename(partial, dir);
    }
    // The holdout features (never the labels) let the server check its ONNX export against the
    // Python model, as it does on a single machine.
    const card = ModelCardSchema.parse(JSON.parse(await readFile(join(dir, 'card.json'), 'utf8')));
    const features = runPaths(this.home, card.runId).holdoutFeatures;
    const key = `runs/${card.runId}/holdout/features.parquet`;
    if (!(await pathExists(features)) && (await this.store.exists(key)))
      await this.store.getFile(key, features);
  }
}

async function localNames(home: string): Promise<string[]> {
  return (await readdir(registryRoot(home)).catch(() => [] as string[])).filter(isSafeName);
}

/** For `ouro serve` and `ouro up`: a running mirror when the store is remote, else null (the registry is local). */
export async function startRegistryMirror(
  store: ArtifactStore,
  home: string,
  logger: Logger,
  pollSeconds: number,
): Promise<RegistryMirror | null> {
  if (store.kind === 'fs') return null;
  const mirror = new RegistryMirror(store, home, logger, pollSeconds * 1000);
  await mirror.start();
  return mirror;
}
