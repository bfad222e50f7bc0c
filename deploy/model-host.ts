/**
 * The models the server holds, one loaded version per registry name, and the hot swap.
 *
 * Every `pollMs` the host looks at registry/<name>/current.json (and key.json). When a name
 * points at a new version, the host prepares and loads it beside the old one, then swaps the
 * map entry in one assignment. Requests that already hold the old entry (a lease) finish on
 * it; the old predictor is closed once its last lease is released and `graceMs` has passed.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../core/logger.ts';
import { currentVersion, readCard, registryRoot } from '../core/registry.ts';
import type { ModelCard } from '../core/schemas/model-card.ts';
import type { SandboxDriver, SandboxLimits } from '../sandbox/driver.ts';
import { keyFileStamp, keyMatches, readKeyFile } from './api-keys.ts';
import type { FeatureSpec } from './clean-values.ts';
import { ServeError } from './errors.ts';
import { taskTraits } from '../core/schemas/task.ts';
import { OnnxPredictor } from './predictors/onnx-predictor.ts';
import type { Predictor } from './predictors/predictor.ts';
import { PythonPool, type PooledModel, type PoolStats } from './predictors/python-pool.ts';
import { ModelOwnerSchema, OPERATOR, ownerKey } from '../core/model-owner.ts';
import { readJsonIfExists } from '../core/store/json-file.ts';
import type { Importance } from './importance.ts';
import type { HoldoutCharts } from './holdout-charts.ts';
import {
  prepareExplanations,
  prepareServing,
  readHoldoutCharts,
  readImportance,
  servingPaths,
  type Serving,
} from './prepare-serving.ts';
import { readSignature, type Signature } from './signature.ts';
import { readSearch, type SearchSummary } from './search-chart.ts';
import { compileInputs, type CompiledInput } from './validate-request.ts';

export interface LoadedModel {
  name: string;
  version: number;
  card: ModelCard;
  signature: Signature;
  features: FeatureSpec[];
  inputs: CompiledInput[];
  serving: Serving;
  /** Permutation importance on the holdout: null until computed, in the background once the version serves (needs the run's holdout and labels). */
  importance: Importance | null;
  /** Holdout ROC/PR, confusion matrix or predicted vs actual, from the same step. */
  holdoutCharts: HoldoutCharts | null;
  /** Per input column, what the preprocessing does (from the export step; null before it recorded it). */
  preprocessing: Record<string, string[]> | null;
  /** Every experiment's score, from the run's journal (null where the run folder is not on this host). */
  search: SearchSummary | null;
  /** The path actually serving (OURO_SERVE_ONNX=off forces Python whatever serving.json says). */
  path: 'onnx' | 'python';
  pathReason: string;
  predictor: Predictor;
  /** The model on the Python path, for `?explain=true` whatever path serves it (null for forecasters); loads on first use. */
  explainer: PooledModel | null;
  loadedAt: string;
}

/** Frees a version's predictor and, when it is a different thing, its explainer's Python copy. */
async function closeModel(m: LoadedModel): Promise<void> {
  await m.predictor.close();
  if (m.explainer !== null && (m.explainer as unknown) !== m.predictor) await m.explainer.close();
}

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
    const s = this.names.get(name);
    if (presented === null)
      return new ServeError(
        401,
        'unauthorized',
        `This model needs a key: send "Authorization: Bearer <key>". Make one with \`ouro models key rotate ${name}\`.`,
      );
    if (s?.key == null)
      return new ServeError(
        403,
        'forbidden',
        `Model "${name}" has no key yet; make one with \`ouro models key rotate ${name}\`.`,
      );
    if (!keyMatches(presented, s.key.sha256))
      return new ServeError(403, 'forbidden', `That key is not valid for model "${name}".`);
    return null;
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
    let entries: string[];
    try {
      entries = await readdir(registryRoot(this.opts.home));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      entries = [];
    }
    const present = new Set<string>();
    for (const name of entries) {
      if (!isSafeName(name)) continue;
      const pointer = join(registryRoot(this.opts.home), name, 'current.json');
      const st = await stat(pointer).catch(() => null);
      if (st === null) continue;
      present.add(name);
      let s = this.names.get(name);
      if (s === undefined) {
        s = { current: null, loading: null, failed: null, pointerStamp: -1, key: null };
        this.names.set(name, s);
      }
      await this.refreshKey(name, s);
      if (st.mtimeMs === s.pointerStamp) continue;
      const version = await currentVersion(this.opts.home, name).catch(() => null);
      if (version === null) continue;
      s.pointerStamp = st.mtimeMs;
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
    const card = await readCard(this.opts.home, name, version);
    const paths = servingPaths(this.opts.home, name, version);
    const signature = await readSignature(paths.model);
    const { serving, doc } = await prepareServing({
      home: this.opts.home,
      name,
      version,
      driver: this.opts.driver,
      limits: this.opts.limits,
      logger: this.opts.logger,
    });
    let predictor: Predictor | null = null;
    const owner = await readJsonIfExists(
      join(registryRoot(this.opts.home), name, 'owner.json'),
      ModelOwnerSchema,
    ).catch(() => null);
    const pooled = this.pool.model({
      owner: ownerKey(owner ?? OPERATOR),
      name,
      version,
      modelDir: paths.model,
    });
    let path: 'onnx' | 'python' = 'python';
    let pathReason = serving.reason;
    let features: FeatureSpec[] | null = doc?.features ?? null;
    if (serving.path === 'onnx' && this.opts.onnx === 'auto' && doc !== null) {
      try {
        predictor = await OnnxPredictor.load(paths.onnx, doc);
        path = 'onnx';
      } catch (err) {
        pathReason = `Python: the ONNX model did not load (${(err as Error).message}).`;
      }
    } else if (serving.path === 'onnx') {
      pathReason = 'Python: the ONNX path is turned off (OURO_SERVE_ONNX=off).';
    }
    if (predictor === null) {
      // Loaded lazily, on its first request: a server holding hundreds of models starts without
      // loading them. Loaded now when the cleaner's specs are only in the model (no export.json),
      // and for a new version while serving, so a model that cannot load never swaps in.
      if ((features === null && taskTraits(signature.task).cleansInputs) || this.started) {
        try {
          const described = await pooled.describe();
          // A forecaster has no cleaner: its inputs (series, date, exogenous columns) are the signature's.
          if (taskTraits(signature.task).cleansInputs) features ??= described.features;
        } catch (err) {
          await pooled.close();
          throw err;
        }
      }
      predictor = pooled;
    }
    features ??= signature.inputs.map((i) => ({
      name: i.name,
      meant: i.meant,
      conversion: i.conversion,
      categories: i.categories,
    }));
    const importance = await readImportance(this.opts.home, name, version);
    const holdoutCharts = await readHoldoutCharts(this.opts.home, name, version);
    const search = !taskTraits(card.task).explain
      ? null
      : await readSearch(this.opts.home, card.runId, card.metric);
    const model: LoadedModel = {
      name,
      version,
      card,
      signature,
      features,
      inputs: compileInputs(features),
      serving,
      importance,
      holdoutCharts,
      search,
      preprocessing: doc?.preprocessing ?? null,
      path,
      pathReason,
      predictor,
      explainer: taskTraits(card.task).explain ? pooled : null,
      loadedAt: new Date().toISOString(),
    };
    if (taskTraits(card.task).explain && (importance === null || holdoutCharts === null)) this.explain(model);
    return model;
  }

  /** Computes the version's explanations in the background (tens of seconds for a blend on a wide table), so a deploy does not wait for them; the model page shows them once done. */
  private explain(model: LoadedModel): void {
    const job: Promise<void> = prepareExplanations({
      home: this.opts.home,
      name: model.name,
      version: model.version,
      driver: this.opts.driver,
      limits: this.opts.limits,
      logger: this.opts.logger,
      signal: this.stopping.signal,
    })
      .then(async (done) => {
        if (!done) return;
        model.importance = await readImportance(this.opts.home, model.name, model.version);
        model.holdoutCharts = await readHoldoutCharts(this.opts.home, model.name, model.version);
        this.opts.logger.info({ model: model.name, version: model.version }, 'explanations ready');
      })
      .catch((err: Error) => {
        if (!this.stopped)
          this.opts.logger.warn(
            { model: model.name, version: model.version, err: err.message },
            'no permutation importance or holdout charts',
          );
      })
      .finally(() => this.explaining.delete(job));
    this.explaining.add(job);
  }

  /** Resolves when the explanations started so far are done (tests, benchmarks). */
  async explanationsSettled(): Promise<void> {
    while (this.explaining.size > 0) await Promise.allSettled([...this.explaining]);
  }
}

/** A registry name that is safe as a path part and a URL segment. */
export function isSafeName(name: string): boolean {
  return /^[a-z0-9][a-z0-9._-]{0,99}$/i.test(name) && !name.includes('..');
}
