/**
 * The models the server holds, one loaded version per registry name, and the hot swap.
 *
 * Every `pollMs` the host looks at registry/<name>/current.json (and key.json). When a name
 * points at a new version, the host prepares and loads it beside the old one, then swaps the
 * map entry in one assignment. Requests that already hold the old entry (a lease) finish on
 * it; the old predictor is closed once its last lease is released and `graceMs` has passed.
 */
import type { Logger } from '../core/logger.ts';
import { currentVersion } from '../core/registry.ts';
import { taskTraits } from '../core/schemas/task.ts';
import type { SandboxDriver, SandboxLimits } from '../sandbox/driver.ts';
import { keyFileStamp, keyRefusal, readKeyFile } from './api-keys.ts';
import { ServeError } from './errors.ts';
import { loadVersion } from './load-version.ts';
import { closeModel, type LoadedModel } from './loaded-model.ts';
import { PythonPool, type PoolStats } from './predictors/python-pool.ts';
import { isSafeName, registryPointers } from './registry-names.ts';
import { explainInBackground } from './version-explanations.ts';

interface Slot {
  model: LoadedModel;
  leases: number;
  retired: boolean;
  closing: Promise<void> | null;
}

interface NameState {
  current: Slot | null;
  /** The version being loaded, if any. */
  loading: number | null;
  /** The last version that failed to load, and why (not retried until current.json changes). */
  failed: { version: number; error: string } | null;
  pointerStamp: number;
  key: { sha256: string; stamp: number } | null;
}

export interface ModelHostOptions {
  home: string;
  driver: SandboxDriver;
  limits: SandboxLimits;
  logger: Logger;
  onnx: 'auto' | 'off';
  workers: number;
  /** OURO_SERVE_MEMORY_MB and OURO_SERVE_IDLE_S (ms) for the shared Python pool. */
  memoryMb?: number;
  idleMs?: number;
  pollMs?: number;
  graceMs?: number;
  /** Called after a swap (for metrics). */
  onSwap?: (model: LoadedModel) => void;
}

export interface Lease {
  model: LoadedModel;
  release(): void;
}

export class ModelHost {
  private readonly names = new Map<string, NameState>();
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private stopped = false;
  private readonly loads = new Set<Promise<void>>();
  /** Permutation importance and holdout charts being computed, after their version serves. */
  private readonly explaining = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly pollMs: number;
  private readonly graceMs: number;
  /** The Python processes every model off the ONNX path shares (deploy/predictors/python-pool.ts). */
  private readonly pool: PythonPool;
  /** After the first scan: a version loaded later is warmed (its model loaded) before it swaps in. */
  private started = false;

  constructor(private readonly opts: ModelHostOptions) {
    this.pollMs = opts.pollMs ?? 1000;
    this.graceMs = opts.graceMs ?? 2000;
    this.pool = new PythonPool({
      driver: opts.driver,
      home: opts.home,
      limits: opts.limits,
      logger: opts.logger,
      workersPerModel: opts.workers,
      memoryMb: opts.memoryMb ?? 1536,
      idleMs: opts.idleMs ?? 600_000,
    });
  }

  /** The Python pool's processes, their resident memory and loaded models (metrics, benchmarks). */
  poolStats(): PoolStats {
    return this.pool.stats();
  }

  /** Scans the registry and starts loading every model; resolves when the first loads settle. */
  async start(): Promise<void> {
    await this.poll();
    await Promise.allSettled([...this.loads]);
    this.started = true;
    const tick = () => {
      if (this.stopped) return;
      this.polling = this.poll()
        .catch((err: Error) => this.opts.logger.error({ err: err.message }, 'registry poll failed'))
        .finally(() => {
          this.polling = null;
          if (!this.stopped) this.timer = setTimeout(tick, this.pollMs);
        });
    };
    this.timer = setTimeout(tick, this.pollMs);
  }

  /** True once every model in the registry has a loaded version (or failed for good). */
  get ready(): boolean {
    for (const s of this.names.values()) if (s.current === null && s.failed === null) return false;
    return true;
  }

  status(name: string): {
    known: boolean;
    ready: boolean;
    version: number | null;
    loading: number | null;
    error: string | null;
  } {
    const s = this.names.get(name);
    if (s === undefined) return { known: false, ready: false, version: null, loading: null, error: null };
    return {
      known: true,
      ready: s.current !== null,
      version: s.current?.model.version ?? null,
      loading: s.loading,
      error: s.failed?.error ?? null,
    };
  }

  loaded(): LoadedModel[] {
    return [...this.names.values()].flatMap((s) => (s.current === null ? [] : [s.current.model]));
  }

  /** Checks the bearer key of a known model: 401 without one, 403 for a wrong one. */
  keyProblem(name: string, presented: string | null): ServeError | null {
    return keyRefusal(name, presented, this.names.get(name)?.key?.sha256 ?? null);
  }

  /** 404 for a name the registry does not hold (looking once more if it is new since the last poll). */
  async assertKnown(name: string): Promise<void> {
    if (this.names.has(name)) return;
    if (isSafeName(name) && (await currentVersion(this.opts.home, name).catch(() => null)) !== null) {
      await this.poll();
      if (this.names.has(name)) return;
    }
    throw new ServeError(404, 'model_not_found', `No model named "${name}".`);
  }

  /** The current version of a model, held until release(): 404 unknown, 503 while loading. */
  async acquire(name: string): Promise<Lease> {
    await this.assertKnown(name);
    const s = this.names.get(name);
    const slot = s?.current ?? null;
    if (s === undefined || slot === null) {
      if (s?.failed != null && s.loading === null)
        throw new ServeError(503, 'model_loading', `Model "${name}" could not be loaded: ${s.failed.error}`);
      throw new ServeError(503, 'model_loading', `Model "${name}" is loading; retry in a few seconds.`);
    }
    slot.leases++;
    let released = false;
    return {
      model: slot.model,
      release: () => {
        if (released) return;
        released = true;
        slot.leases--;
        if (slot.retired && slot.leases === 0) this.closeLater(slot);
      },
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    await this.polling;
    await Promise.allSettled([...this.loads]);
    this.stopping.abort();
    await Promise.allSettled([...this.explaining]);
    await Promise.allSettled(
      [...this.names.values()].map(async (s) => {
        if (s.current !== null) await closeModel(s.current.model);
      }),
    );
    await this.pool.close();
  }

  private async poll(): Promise<void> {
    const present = new Set<string>();
    for await (const { name, mtimeMs } of registryPointers(this.opts.home)) {
      present.add(name);
      let s = this.names.get(name);
      if (s === undefined) {
        s = { current: null, loading: null, failed: null, pointerStamp: -1, key: null };
        this.names.set(name, s);
      }
      await this.refreshKey(name, s);
      if (mtimeMs === s.pointerStamp) continue;
      const version = await currentVersion(this.opts.home, name).catch(() => null);
      if (version === null) continue;
      s.pointerStamp = mtimeMs;
      if (s.current?.model.version === version || s.loading === version) continue;
      if (s.failed?.version === version) s.failed = null;
      this.startLoad(name, s, version);
    }
    for (const [name, s] of this.names) {
      if (present.has(name) || s.loading !== null) continue;
      // Deleted from the registry: stop serving it.
      this.names.delete(name);
      if (s.current !== null) this.retire(s.current);
      this.opts.logger.info({ model: name }, 'model removed');
    }
  }

  private async refreshKey(name: string, s: NameState): Promise<void> {
    const stamp = await keyFileStamp(this.opts.home, name);
    if (stamp === null) {
      s.key = null;
      return;
    }
    if (s.key?.stamp === stamp) return;
    const file = await readKeyFile(this.opts.home, name).catch(() => null);
    s.key = file === null ? null : { sha256: file.sha256, stamp };
  }

  private startLoad(name: string, s: NameState, version: number): void {
    s.loading = version;
    const job = this.load(name, version).then(
      (model) => {
        if (s.loading === version) s.loading = null;
        if (this.stopped || this.names.get(name) !== s) {
          void closeModel(model);
          return;
        }
        const old = s.current;
        s.current = { model, leases: 0, retired: false, closing: null };
        s.failed = null;
        if (old !== null) this.retire(old);
        this.opts.logger.info(
          { model: name, version, path: model.path },
          old === null ? 'model loaded' : `model swapped from version ${old.model.version}`,
        );
        this.opts.onSwap?.(model);
      },
      (err: Error) => {
        if (s.loading === version) s.loading = null;
        s.failed = { version, error: err.message };
        this.opts.logger.error(
          { model: name, version, err: err.message },
          'model failed to load; still serving the previous version',
        );
      },
    );
    this.loads.add(job);
    void job.finally(() => this.loads.delete(job));
  }

  private retire(slot: Slot): void {
    slot.retired = true;
    if (slot.leases === 0) this.closeLater(slot);
  }

  private closeLater(slot: Slot): void {
    if (slot.closing !== null) return;
    slot.closing = new Promise<void>((resolve) => setTimeout(resolve, this.graceMs).unref()).then(
      async () => {
        await closeModel(slot.model).catch(() => undefined);
      },
    );
  }

  private async load(name: string, version: number): Promise<LoadedModel> {
    const model = await loadVersion({ ...this.opts, pool: this.pool, started: this.started }, name, version);
    if (taskTraits(model.card.task).explain && (model.importance === null || model.holdoutCharts === null))
      this.explain(model);
    return model;
  }

  /** Computes the version's explanations in the background (deploy/version-explanations.ts). */
  private explain(model: LoadedModel): void {
    const job: Promise<void> = explainInBackground(
      { ...this.opts, signal: this.stopping.signal, stopped: () => this.stopped },
      model,
    ).finally(() => this.explaining.delete(job));
    this.explaining.add(job);
  }

  /** Resolves when the explanations started so far are done (tests, benchmarks). */
  async explanationsSettled(): Promise<void> {
    while (this.explaining.size > 0) await Promise.allSettled([...this.explaining]);
  }
}
