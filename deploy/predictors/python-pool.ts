/**
 * The Python path: long-lived sandboxed workers (`python -m ouro_harness.serve_loop`), each
 * holding the model loaded once, answering one JSON line per request. A worker takes one
 * request at a time; the pool starts with one worker and grows to `size` while requests
 * queue. A worker that crashes or hangs is dropped (its request fails) and replaced on demand.
 */
import { createInterface } from 'node:readline';
import { z } from 'zod';
import type { Logger } from '../../core/logger.ts';
import type { SandboxDriver, SandboxLimits, SandboxProcess } from '../../sandbox/driver.ts';
import { FeatureSpecSchema, type FeatureSpec } from '../clean-values.ts';
import { ServeError } from '../errors.ts';
import type { PreparedBatch } from '../validate-request.ts';
import type { ForecastPoint, ForecastRequest, Forecaster, Predictions, Predictor } from './predictor.ts';

const ReadySchema = z.object({
  ready: z.literal(true),
  task: z.string(),
  classes: z.array(z.string()).nullable(),
  has_proba: z.boolean(),
  features: z.array(FeatureSpecSchema),
});

const PredictReplySchema = z.object({
  id: z.number().nullable(),
  predictions: z.array(z.union([z.string(), z.number(), z.null()])),
  probabilities: z.array(z.array(z.number().nullable())).nullable(),
});

const ForecastReplySchema = z.object({
  id: z.number().nullable(),
  series: z.string(),
  forecasts: z.array(z.object({ date: z.string(), value: z.number(), lo: z.number().optional(), hi: z.number().optional() })),
});

const ReplySchema = z.union([PredictReplySchema, ForecastReplySchema, z.object({ id: z.number().nullable(), error: z.string(), code: z.string() })]);

type Reply = z.infer<typeof PredictReplySchema> | z.infer<typeof ForecastReplySchema>;

export interface PythonPoolOptions {
  driver: SandboxDriver;
  /** The version's model/ folder (mounted read-only). */
  modelDir: string;
  limits: SandboxLimits;
  size: number;
  logger: Logger;
  startTimeoutMs?: number;
  requestTimeoutMs?: number;
}

interface Pending {
  resolve: (p: Reply) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

class PythonWorker {
  private nextId = 1;
  private pending: { id: number; p: Pending } | null = null;
  private dead = false;
  /** The model is loaded and the worker takes requests. */
  isReady = false;
  readonly ready: Promise<z.infer<typeof ReadySchema>>;

  constructor(
    private readonly proc: SandboxProcess,
    private readonly requestTimeoutMs: number,
    startTimeoutMs: number,
    onExit: (w: PythonWorker, why: string) => void,
  ) {
    const lines = createInterface({ input: proc.stdout, crlfDelay: Infinity });
    let readyResolve!: (v: z.infer<typeof ReadySchema>) => void;
    let readyReject!: (e: Error) => void;
    this.ready = new Promise((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    this.ready.catch(() => undefined);
    let gotReady = false;
    const startTimer = setTimeout(() => {
      readyReject(new Error(`the Python worker did not start within ${Math.round(startTimeoutMs / 1000)} s`));
      this.kill();
    }, startTimeoutMs);
    lines.on('line', (line) => {
      if (!gotReady) {
        const parsed = ReadySchema.safeParse(safeJson(line));
        if (!parsed.success) return; // not the ready line: ignore stray output
        gotReady = true;
        this.isReady = true;
        clearTimeout(startTimer);
        readyResolve(parsed.data);
        return;
      }
      const reply = ReplySchema.safeParse(safeJson(line));
      const current = this.pending;
      if (!reply.success || current === null || reply.data.id !== current.id) return;
      this.pending = null;
      clearTimeout(current.p.timer);
      if ('error' in reply.data) {
        const status = reply.data.code === 'input_columns' ? 422 : reply.data.code === 'bad_request' ? 400 : 500;
        current.p.reject(new ServeError(status, status === 422 ? 'missing_column' : status === 400 ? 'bad_request' : 'predictor_failed', reply.data.error));
      } else {
        current.p.resolve(reply.data);
      }
    });
    void proc.exited.then((exit) => {
      this.dead = true;
      clearTimeout(startTimer);
      const tail = exit.stderr.trim().split('\n').slice(-3).join(' | ');
      const why = `the Python worker exited (${exit.signal ?? `code ${exit.exitCode}`}${exit.oomKilled ? ', out of memory' : ''})${tail ? `: ${tail}` : ''}`;
      readyReject(new Error(why));
      if (this.pending !== null) {
        clearTimeout(this.pending.p.timer);
        this.pending.p.reject(new ServeError(500, 'predictor_failed', `The prediction failed: ${why}.`));
        this.pending = null;
      }
      onExit(this, why);
    });
  }

  get busy(): boolean {
    return this.pending !== null;
  }

  get alive(): boolean {
    return !this.dead;
  }

  /** One request line: `{rows}` (predict) or `{forecast}`; resolves with the worker's reply. */
  send(payload: Record<string, unknown>): Promise<Reply> {
    return new Promise((resolve, reject) => {
      if (this.dead) return reject(new ServeError(500, 'predictor_failed', 'The Python worker is gone.'));
      const id = this.nextId++;
      const timer = setTimeout(() => {
        if (this.pending?.id !== id) return;
        this.pending = null;
        reject(new ServeError(500, 'predictor_failed', `The prediction took longer than ${Math.round(this.requestTimeoutMs / 1000)} s; the worker was restarted.`));
        this.kill();
      }, this.requestTimeoutMs);
      this.pending = { id, p: { resolve, reject, timer } };
      this.proc.stdin.write(JSON.stringify({ id, ...payload }) + '\n');
    });
  }

  kill(): void {
    this.proc.kill();
  }

  exited(): Promise<unknown> {
    return this.proc.exited;
  }
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}

export class PythonPool implements Predictor, Forecaster {
  readonly kind = 'python' as const;
  private readonly workers: PythonWorker[] = [];
  private starting = 0;
  private readonly queue: { payload: Record<string, unknown>; resolve: (p: Reply) => void; reject: (e: Error) => void }[] = [];
  private closed = false;
  /** The cleaner's feature specs, from the first worker's ready line. */
  features: FeatureSpec[] = [];

  private constructor(private readonly opts: PythonPoolOptions) {}

  /** Starts the first worker and waits until it has loaded the model. */
  static async start(opts: PythonPoolOptions): Promise<PythonPool> {
    if (opts.driver.start === undefined) throw new Error(`the ${opts.driver.name} sandbox driver cannot start long-running workers`);
    const pool = new PythonPool(opts);
    const first = await pool.spawn();
    const ready = await first.ready;
    pool.features = ready.features;
    return pool;
  }

  private async spawn(): Promise<PythonWorker> {
    this.starting++;
    try {
      const proc = await this.opts.driver.start!({
        command: ['python', '-m', 'ouro_harness.serve_loop', '--model', this.opts.modelDir],
        cwd: this.opts.modelDir,
        mounts: [{ path: this.opts.modelDir }],
        limits: this.opts.limits,
      });
      const worker = new PythonWorker(proc, this.opts.requestTimeoutMs ?? 60_000, this.opts.startTimeoutMs ?? 120_000, (w, why) => {
        const i = this.workers.indexOf(w);
        if (i >= 0) this.workers.splice(i, 1);
        if (!this.closed) this.opts.logger.warn({ modelDir: this.opts.modelDir, why }, 'python worker exited');
        this.pump();
      });
      this.workers.push(worker);
      worker.ready.then(
        () => this.pump(),
        () => undefined,
      );
      return worker;
    } finally {
      this.starting--;
    }
  }

  async predict(batch: PreparedBatch): Promise<Predictions> {
    const reply = await this.enqueue({ rows: batch.records });
    if (!('predictions' in reply)) throw new ServeError(500, 'predictor_failed', 'The Python worker answered a prediction with something else.');
    return { predictions: reply.predictions, probabilities: reply.probabilities === null ? null : reply.probabilities.map((row) => row.map((v) => v ?? 0)) };
  }

  async forecast(request: ForecastRequest): Promise<{ series: string; forecasts: ForecastPoint[] }> {
    const reply = await this.enqueue({ forecast: request });
    if (!('forecasts' in reply)) throw new ServeError(500, 'predictor_failed', 'The Python worker answered a forecast with something else.');
    return { series: reply.series, forecasts: reply.forecasts };
  }

  private enqueue(payload: Record<string, unknown>): Promise<Reply> {
    if (this.closed) return Promise.reject(new ServeError(503, 'model_loading', 'This model version was just replaced; retry.'));
    return new Promise((resolve, reject) => {
      this.queue.push({ payload, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.closed) return;
    while (this.queue.length > 0) {
      const idle = this.workers.find((w) => w.alive && w.isReady && !w.busy);
      if (idle === undefined) break;
      const job = this.queue.shift()!;
      idle.send(job.payload).then(job.resolve, job.reject).finally(() => this.pump());
    }
    const live = this.workers.filter((w) => w.alive).length + this.starting;
    if (this.queue.length > 0 && live < this.opts.size) {
      this.spawn().catch((err: Error) => {
        this.opts.logger.error({ err: err.message }, 'could not start a python worker');
        if (this.workers.length === 0) for (const job of this.queue.splice(0)) job.reject(new ServeError(500, 'predictor_failed', `No Python worker could start: ${err.message}`));
      });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new ServeError(503, 'shutting_down', 'The model is being unloaded.'));
    const exits = this.workers.map((w) => w.exited());
    for (const w of this.workers) w.kill();
    await Promise.all(exits);
  }
}
