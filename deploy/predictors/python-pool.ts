/**
 * The Python path, shared by every model that ONNX cannot serve (docs/architecture.md,
 * Serving): long-lived sandboxed processes (python-worker.ts), each holding several models.
 *
 * - A model is loaded on its first request into an idle process of its group, and into more
 *   processes (up to `workersPerModel`) only while its requests queue.
 * - Models of one owner (core/model-owner.ts) share processes; models of different owners
 *   never do, since a pickle runs code and could answer for its neighbours. A group's
 *   processes see one read-only folder holding hard links to its models' registry folders
 *   (`<home>/serve-pool/<server>/<group>/<name>@<version>`), made when a model is first used.
 * - After every reply the resident memory of all processes is compared with `memoryMb`; over
 *   it, the least recently used model of an idle process is unloaded, and a process left with
 *   no model stops. A process idle for `idleMs` stops too. The server and its processes then
 *   hold what the traffic needs, not one interpreter per model.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../core/logger.ts';
import type { SandboxDriver, SandboxLimits } from '../../sandbox/driver.ts';
import { ServeError } from '../errors.ts';
import { evictLru, stopIdleProcesses, type Group, type Job, type Proc } from './pool-eviction.ts';
import { linkTree, removeStale } from './pool-staging.ts';
import { PooledModel } from './pooled-model.ts';
import { PythonWorker, type Reply } from './python-worker.ts';

export interface PythonPoolOptions {
  driver: SandboxDriver;
  home: string;
  limits: SandboxLimits;
  logger: Logger;
  /** Processes one model may be loaded in at once (OURO_SERVE_WORKERS); also a group's process cap. */
  workersPerModel: number;
  /** OURO_SERVE_MEMORY_MB: resident memory of all processes together, kept by eviction. */
  memoryMb: number;
  /** OURO_SERVE_IDLE_S in ms: a process with no request for this long stops. */
  idleMs: number;
  startTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export interface PoolStats {
  processes: number;
  rssMb: number;
  loaded: number;
  /** Since start: models loaded into a process, and unloaded to keep the memory budget. */
  loads: number;
  evictions: number;
}

export class PythonPool {
  private readonly groups = new Map<string, Group>();
  private readonly staged = new Map<string, Promise<void>>();
  private readonly root: string;
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;
  /** The model that answered last: never the one evicted. */
  private latest: string | null = null;
  private loads = 0;
  private evictions = 0;

  constructor(private readonly opts: PythonPoolOptions) {
    this.root = join(opts.home, 'serve-pool', `${process.pid}-${randomBytes(4).toString('hex')}`);
    this.sweeper = setInterval(() => this.stopIdle(), Math.max(50, Math.min(30_000, opts.idleMs / 4)));
    this.sweeper.unref();
    void removeStale(join(opts.home, 'serve-pool'));
  }

  /** A model's predictor on this pool; nothing starts or loads until it is used. */
  model(opts: { owner: string; name: string; version: number; modelDir: string }): PooledModel {
    const group = createHash('sha256').update(opts.owner).digest('hex').slice(0, 16);
    return new PooledModel(this, group, `${opts.name}@${opts.version}`, opts.modelDir);
  }

  stats(): PoolStats {
    const procs = [...this.groups.values()].flatMap((g) => g.procs);
    return {
      processes: procs.length,
      rssMb: procs.reduce((s, p) => s + p.worker.rssMb, 0),
      loaded: procs.reduce((s, p) => s + p.models.size, 0),
      loads: this.loads,
      evictions: this.evictions,
    };
  }

  /** @internal One request for model `key` of `group`, staged and queued. */
  async request(
    group: string,
    key: string,
    modelDir: string,
    payload: Record<string, unknown>,
  ): Promise<Reply> {
    if (this.closed) throw new ServeError(503, 'shutting_down', 'The server is shutting down.');
    const g = this.group(group);
    await this.stage(g, key, modelDir);
    return new Promise((resolve, reject) => {
      g.queue.push({ key, payload: { model: key, ...payload }, resolve, reject });
      this.pump(g);
    });
  }

  /** @internal The version is gone: unload it everywhere and drop its staged folder. */
  async release(group: string, key: string): Promise<void> {
    const g = this.groups.get(group);
    if (g === undefined) return;
    for (const job of g.queue.filter((j) => j.key === key && j.target === undefined))
      job.reject(new ServeError(503, 'model_loading', 'This model version was just replaced; retry.'));
    g.queue = g.queue.filter((j) => j.key !== key || j.target !== undefined);
    const unloads = g.procs.filter((p) => p.models.has(key)).map((p) => this.unload(g, p, key));
    this.staged.delete(`${g.dir}/${key}`);
    await rm(join(g.dir, key), { recursive: true, force: true });
    await Promise.allSettled(unloads);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    const exits: Promise<unknown>[] = [];
    for (const g of this.groups.values()) {
      for (const job of g.queue.splice(0))
        job.reject(new ServeError(503, 'shutting_down', 'The server is shutting down.'));
      for (const p of g.procs) {
        exits.push(p.worker.exited());
        p.worker.kill();
      }
    }
    await Promise.all(exits);
    await rm(this.root, { recursive: true, force: true });
  }

  private group(name: string): Group {
    let g = this.groups.get(name);
    if (g === undefined) {
      g = { dir: join(this.root, name), procs: [], starting: 0, queue: [] };
      this.groups.set(name, g);
    }
    return g;
  }

  /** Hard links of the model's registry files (plain files the registry copy made) under the group's folder. */
  private stage(g: Group, key: string, modelDir: string): Promise<void> {
    const id = `${g.dir}/${key}`;
    let done = this.staged.get(id);
    if (done === undefined) {
      done = linkTree(modelDir, join(g.dir, key), g.dir);
      this.staged.set(id, done);
      done.catch(() => this.staged.delete(id));
    }
    return done;
  }

  private pump(g: Group): void {
    if (this.closed) return;
    let wantsProcess = false;
    for (let i = 0; i < g.queue.length;) {
      const job = g.queue[i]!;
      const free = (p: Proc) => p.worker.isReady && p.worker.alive && !p.worker.busy;
      let chosen: Proc | undefined;
      if (job.target !== undefined) {
        chosen = free(job.target) ? job.target : undefined;
      } else {
        chosen = g.procs.find((p) => free(p) && p.models.has(job.key));
        if (
          chosen === undefined &&
          g.procs.filter((p) => p.models.has(job.key)).length < this.opts.workersPerModel
        ) {
          chosen = g.procs.filter(free).sort((a, b) => a.models.size - b.models.size)[0];
          if (chosen === undefined) wantsProcess = true;
        }
      }
      if (chosen === undefined) {
        i++;
        continue;
      }
      g.queue.splice(i, 1);
      this.dispatch(g, chosen, job);
    }
    if (wantsProcess && g.procs.length + g.starting < this.opts.workersPerModel) this.spawn(g);
  }

  private dispatch(g: Group, p: Proc, job: Job): void {
    const unloading = job.target !== undefined;
    const had = p.models.has(job.key);
    if (!unloading) p.models.set(job.key, Date.now());
    if (!unloading && !had) this.loads++;
    p.worker
      .send(job.payload)
      .then(
        (reply) => {
          if (unloading) p.models.delete(job.key);
          else this.latest = job.key;
          job.resolve(reply);
        },
        (err: Error) => {
          // A model that failed to load is not loaded.
          if (!had && !unloading && !(err instanceof ServeError && err.status !== 500))
            p.models.delete(job.key);
          job.reject(err);
        },
      )
      .finally(() => {
        if (p.models.size === 0 && unloading) this.stop(g, p);
        this.keepBudget();
        this.pump(g);
      });
  }

  private spawn(g: Group): void {
    g.starting++;
    void (async () => {
      if (this.opts.driver.start === undefined)
        throw new Error(`the ${this.opts.driver.name} sandbox driver cannot start long-running workers`);
      await mkdir(g.dir, { recursive: true, mode: 0o755 });
      const proc = await this.opts.driver.start({
        command: ['python', '-m', 'ouro_harness.serve_loop', '--root', g.dir],
        cwd: g.dir,
        mounts: [{ path: g.dir }],
        limits: this.opts.limits,
      });
      const p: Proc = { worker: null as unknown as PythonWorker, models: new Map() };
      p.worker = new PythonWorker(
        proc,
        this.opts.requestTimeoutMs ?? 60_000,
        this.opts.startTimeoutMs ?? 120_000,
        (_w, why) => {
          const i = g.procs.indexOf(p);
          if (i >= 0) g.procs.splice(i, 1);
          if (!this.closed && p.models.size > 0)
            this.opts.logger.warn({ models: [...p.models.keys()].slice(0, 5), why }, 'python worker exited');
          p.models.clear();
          this.pump(g);
        },
      );
      g.procs.push(p);
      await p.worker.ready;
    })()
      .catch((err: Error) => {
        this.opts.logger.error({ err: err.message }, 'could not start a python worker');
        if (g.procs.length === 0)
          for (const job of g.queue.splice(0))
            job.reject(
              new ServeError(500, 'predictor_failed', `No Python worker could start: ${err.message}`),
            );
      })
      .finally(() => {
        g.starting--;
        this.pump(g);
      });
  }

  private unload(g: Group, p: Proc, key: string): Promise<Reply> {
    return new Promise((resolve, reject) => {
      g.queue.unshift({ key, payload: { unload: key }, target: p, resolve, reject });
      this.pump(g);
    });
  }

  /** Over the budget: unload the least recently used model of an idle process (one at a time per process). */
  private keepBudget(): void {
    evictLru(this.groups.values(), this.latest, this.stats().rssMb, this.opts.memoryMb, (g, p, key) => {
      this.evictions++;
      void this.unload(g, p, key).catch(() => undefined);
    });
  }

  private stopIdle(): void {
    stopIdleProcesses(this.groups.values(), this.opts.idleMs, (g, p) => this.stop(g, p));
  }

  /** Stops a process on purpose (idle, or its last model unloaded): not worth a warning. */
  private stop(g: Group, p: Proc): void {
    p.models.clear();
    const i = g.procs.indexOf(p);
    if (i >= 0) g.procs.splice(i, 1);
    p.worker.kill();
  }
}
