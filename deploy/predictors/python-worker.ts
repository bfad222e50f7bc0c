/**
 * One sandboxed `python -m ouro_harness.serve_loop --root DIR` process and its line protocol
 * (the module's docstring): one request at a time, each reply matched by id. Every reply
 * carries the process's resident memory, which the pool (python-pool.ts) keeps under
 * OURO_SERVE_MEMORY_MB. A worker that crashes or hangs fails its request and is gone.
 */
import { createInterface } from 'node:readline';
import { z } from 'zod';
import type { SandboxProcess } from '../../sandbox/driver.ts';
import { FeatureSpecSchema } from '../clean-values.ts';
import { ServeError } from '../errors.ts';

const ReadySchema = z.object({ ready: z.literal(true), rss_mb: z.number().optional() });

const ExplanationSchema = z.object({
  expected_value: z.number(),
  contributions: z.record(z.string(), z.number()),
  output: z.number(),
  scale: z.enum(['log_odds', 'raw_score', 'value']),
  class: z.string().nullable(),
});

const PredictReplySchema = z.object({
  id: z.number().nullable(),
  predictions: z.array(z.union([z.string(), z.number(), z.null()])),
  probabilities: z.array(z.array(z.number().nullable())).nullable(),
  explanations: z.array(ExplanationSchema).optional(),
});

const ForecastReplySchema = z.object({
  id: z.number().nullable(),
  series: z.string(),
  forecasts: z.array(
    z.object({ date: z.string(), value: z.number(), lo: z.number().optional(), hi: z.number().optional() }),
  ),
});

export const DescribeReplySchema = z.object({
  id: z.number().nullable(),
  task: z.string(),
  classes: z.array(z.string()).nullable(),
  has_proba: z.boolean(),
  features: z.array(FeatureSpecSchema),
});

const UnloadReplySchema = z.object({ id: z.number().nullable(), unloaded: z.string() });
const ErrorReplySchema = z.object({ id: z.number().nullable(), error: z.string(), code: z.string() });

const ReplySchema = z
  .union([PredictReplySchema, ForecastReplySchema, DescribeReplySchema, UnloadReplySchema, ErrorReplySchema])
  .and(z.object({ rss_mb: z.number().optional() }));

export type PredictReply = z.infer<typeof PredictReplySchema>;
export type ForecastReply = z.infer<typeof ForecastReplySchema>;
export type DescribeReply = z.infer<typeof DescribeReplySchema>;
export type Reply = PredictReply | ForecastReply | DescribeReply | z.infer<typeof UnloadReplySchema>;

interface Pending {
  id: number;
  resolve: (p: Reply) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}

function errorStatus(code: string): ServeError['status'] {
  return code === 'input_columns' ? 422 : code === 'bad_request' ? 400 : 500;
}

export class PythonWorker {
  private nextId = 1;
  private pending: Pending | null = null;
  private dead = false;
  /** The interpreter is up and takes requests. */
  isReady = false;
  /** Resident memory in MiB, as the process last reported it. */
  rssMb = 0;
  /** When the last request finished (or the process started). */
  lastActive = Date.now();
  readonly ready: Promise<void>;

  constructor(
    private readonly proc: SandboxProcess,
    private readonly requestTimeoutMs: number,
    startTimeoutMs: number,
    onExit: (w: PythonWorker, why: string) => void,
  ) {
    const lines = createInterface({ input: proc.stdout, crlfDelay: Infinity });
    let readyResolve!: () => void;
    let readyReject!: (e: Error) => void;
    this.ready = new Promise((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    this.ready.catch(() => undefined);
    const startTimer = setTimeout(() => {
      readyReject(new Error(`the Python worker did not start within ${Math.round(startTimeoutMs / 1000)} s`));
      this.kill();
    }, startTimeoutMs);
    lines.on('line', (line) => {
      const doc = safeJson(line);
      if (!this.isReady) {
        const parsed = ReadySchema.safeParse(doc);
        if (!parsed.success) return; // not the ready line: ignore stray output
        this.isReady = true;
        this.rssMb = parsed.data.rss_mb ?? 0;
        clearTimeout(startTimer);
        readyResolve();
        return;
      }
      const reply = ReplySchema.safeParse(doc);
      const current = this.pending;
      if (!reply.success || current === null || reply.data.id !== current.id) return;
      this.pending = null;
      this.lastActive = Date.now();
      clearTimeout(current.timer);
      if (reply.data.rss_mb !== undefined) this.rssMb = reply.data.rss_mb;
      if ('error' in reply.data) {
        const status = errorStatus(reply.data.code);
        current.reject(
          new ServeError(
            status,
            status === 422 ? 'missing_column' : status === 400 ? 'bad_request' : 'predictor_failed',
            reply.data.error,
          ),
        );
      } else {
        current.resolve(reply.data);
      }
    });
    void proc.exited.then((exit) => {
      this.dead = true;
      clearTimeout(startTimer);
      const tail = exit.stderr.trim().split('\n').slice(-3).join(' | ');
      const why = `the Python worker exited (${exit.signal ?? `code ${exit.exitCode}`}${exit.oomKilled ? ', out of memory' : ''})${tail ? `: ${tail}` : ''}`;
      readyReject(new Error(why));
      if (this.pending !== null) {
        clearTimeout(this.pending.timer);
        this.pending.reject(new ServeError(500, 'predictor_failed', `The prediction failed: ${why}.`));
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

  /** One request line; resolves with the reply, rejects with a ServeError for an error reply. */
  send(payload: Record<string, unknown>): Promise<Reply> {
    return new Promise((resolve, reject) => {
      if (this.dead) return reject(new ServeError(500, 'predictor_failed', 'The Python worker is gone.'));
      if (this.pending !== null) return reject(new Error('a Python worker takes one request at a time'));
      const id = this.nextId++;
      const timer = setTimeout(() => {
        if (this.pending?.id !== id) return;
        this.pending = null;
        reject(
          new ServeError(
            500,
            'predictor_failed',
            `The prediction took longer than ${Math.round(this.requestTimeoutMs / 1000)} s; the worker was restarted.`,
          ),
        );
        this.kill();
      }, this.requestTimeoutMs);
      this.pending = { id, resolve, reject, timer };
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
