/**
 * npm run bench:serve — prediction latency and throughput through HTTP for each family that
 * wins runs (the blend, LightGBM, a linear model with categorical columns, a random forest, the
 * prior baseline), trained as the heuristic brain trains them (deploy/test-fixtures.ts), each
 * on the ONNX path and the Python path in the same run, beside a baseline measured in the same
 * run: per family, in-process Python timings of the bare pipeline and of the serving loop before
 * and after the cell-by-cell cleaner (one pipeline call per request). docs/architecture.md, "Targets": single-row
 * p50 ≤ 2 ms.
 *
 * Then the cost of refusing a hostile body: a 10 MB CSV of 5M rows (within the body cap, far
 * past the row cap), timed through HTTP with health checks running beside it, against two
 * baselines from the same run: the old approach (parse the whole body, then count the rows)
 * in-process, and an ordinary 1000-row CSV request.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { createKeyIfMissing } from '../deploy/api-keys.ts';
import { parseCsvRecords } from '../deploy/parse-csv.ts';
import { startServer } from '../deploy/server.ts';
import {
  EXAMPLES,
  holdoutRecords,
  publishFixtureModel,
  python,
  tempHome,
  type FixtureFamily,
} from '../deploy/test-fixtures.ts';

const SINGLE = Number(process.env.BENCH_SINGLE ?? 2000);
/** The Python path is ~50x slower: fewer sequential requests keep the bench to a minute or two. */
const SINGLE_PYTHON = Number(process.env.BENCH_SINGLE_PYTHON ?? 300);
const BATCH_ROWS = 1000;
const BATCHES = Number(process.env.BENCH_BATCHES ?? 20);

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function post(url: URL, key: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function measure(
  base: string,
  name: string,
  key: string,
  rows: Record<string, unknown>[],
  single: number,
) {
  const url = new URL(`${base}/v1/models/${name}/predict`);
  const one = JSON.stringify([rows[0]]);
  for (let i = 0; i < Math.min(200, single); i++) await post(url, key, one); // warm-up
  const times: number[] = [];
  for (let i = 0; i < single; i++) {
    const t = performance.now();
    const status = await post(url, key, JSON.stringify([rows[i % rows.length]]));
    times.push(performance.now() - t);
    if (status !== 200) throw new Error(`status ${status}`);
  }
  times.sort((a, b) => a - b);
  const batch = JSON.stringify(Array.from({ length: BATCH_ROWS }, (_, i) => rows[i % rows.length]));
  await post(url, key, batch);
  const t = performance.now();
  for (let i = 0; i < BATCHES; i++) await post(url, key, batch);
  const seconds = (performance.now() - t) / 1000;
  return {
    p50: quantile(times, 0.5),
    p99: quantile(times, 0.99),
    rowsPerSecond: (BATCHES * BATCH_ROWS) / seconds,
  };
}

/** One POST on its own connection (a refused body is not read to its end, so the socket is not reused). */
function postOnce(
  url: URL,
  key: string,
  body: Buffer,
  type: string,
): Promise<{ status: number; ms: number }> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { authorization: `Bearer ${key}`, 'content-type': type, 'content-length': body.length },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t }));
      },
    );
    // The server may answer and close before the whole body is written.
    req.on('error', (err) => (req.writableFinished ? reject(err) : undefined));
    req.end(body);
  });
}

const HUGE_ROWS = 5_000_000;
const REFUSALS = Number(process.env.BENCH_REFUSALS ?? 5);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Refusing the 10 MB / 5M-row CSV through HTTP, health checks beside it, and the baselines. */
async function refusal(
  server: Awaited<ReturnType<typeof startServer>>,
  key: string,
  rows: Record<string, unknown>[],
  maxRows: number,
) {
  const url = new URL(`${server.url}/v1/models/pima/predict`);
  const columns = Object.keys(rows[0]!);
  const huge = Buffer.from(`${columns[0]}\n${'1\n'.repeat(HUGE_ROWS)}`);
  const ordinary = Buffer.from(
    [
      columns.join(','),
      ...Array.from({ length: BATCH_ROWS }, (_, i) =>
        columns.map((c) => rows[i % rows.length]![c] ?? '').join(','),
      ),
    ].join('\n'),
  );
  const refused: number[] = [];
  const served: number[] = [];
  const health: number[] = [];
  const parsedBefore = server.metrics.csvRowsParsed('pima');
  for (let i = 0; i < REFUSALS; i++) {
    let done = false;
    const probe = (async () => {
      while (!done) {
        const t = performance.now();
        const res = await fetch(`${server.url}/v2/health/live`);
        await res.arrayBuffer();
        health.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const r = await postOnce(url, key, huge, 'text/csv').finally(() => (done = true));
    await probe;
    if (r.status !== 413) throw new Error(`the 5M-row CSV got ${r.status}, not 413`);
    refused.push(r.ms);
    const ok = await postOnce(url, key, ordinary, 'text/csv');
    if (ok.status !== 200) throw new Error(`the ${BATCH_ROWS}-row CSV got ${ok.status}`);
    served.push(ok.ms);
  }
  const parsedPerRefusal =
    (server.metrics.csvRowsParsed('pima') - parsedBefore - REFUSALS * BATCH_ROWS) / REFUSALS;
  // The old approach, in-process: the whole body decoded and parsed, and only then the rows counted.
  const rss0 = process.memoryUsage().rss;
  const t = performance.now();
  const all = parseCsvRecords(huge.toString('utf8'));
  const oldMs = performance.now() - t;
  const oldRssMb = (process.memoryUsage().rss - rss0) / 1024 / 1024;
  if (all.length <= maxRows) throw new Error('the old approach would have accepted the body');
  return {
    refusedMs: median(refused),
    servedMs: median(served),
    healthMaxMs: Math.max(...health),
    healthChecks: health.length,
    parsedPerRefusal,
    oldMs,
    oldRssMb,
    bytes: huge.length,
  };
}

/**
 * In-process timings per family (no HTTP, no sandbox): the bare pipeline on a cleaned row, the
 * serving loop as it was before this change (DataFrame.from_records, the pandas cleaner, then
 * predict and predict_proba: the pipeline twice), and as it is (serve_loop._answer: the
 * cell-by-cell cleaner, the pipeline once).
 */
const BASELINE = `
import json, sys, time, warnings
import numpy as np, pandas as pd
warnings.simplefilter('ignore')
from ouro_harness.predict import load_model
from ouro_harness.serve_loop import _answer
from ouro_harness.model import align_probabilities, estimator_classes
n = int(sys.argv[1])
def run(*fns):
    # Interleaved, one call of each per round: on a shared machine the load changes by the
    # second, and timing one variant after the other would compare two different machines.
    for i in range(min(50, n)):
        for fn in fns: fn(i)
    t = [[] for _ in fns]
    for i in range(n):
        for k, fn in enumerate(fns):
            s = time.perf_counter(); fn(i); t[k].append((time.perf_counter() - s) * 1000)
    out = []
    for ts in t:
        ts.sort(); out.append((ts[len(ts) // 2], ts[min(len(ts) - 1, int(0.99 * len(ts)))]))
    return out
def before(model, row):
    frame = pd.DataFrame.from_records([row], columns=model.cleaner.input_names)
    X = model.transform(frame)
    p = np.asarray(model.estimator.predict(X))
    p = p.astype(float) if model.task == 'regression' else p.astype(str)
    if model.has_proba:
        align_probabilities(model.estimator.predict_proba(X), estimator_classes(model.estimator), model.classes)
    return p
out = {}
for name, model_dir, rows_file in json.loads(sys.argv[2]):
    model = load_model(model_dir)
    rows = json.loads(open(rows_file).read())
    cleaned = [model.transform(pd.DataFrame([r])) for r in rows]
    bare = (lambda i: model.estimator.predict_proba(cleaned[i % len(cleaned)])) if model.has_proba else (lambda i: model.estimator.predict(cleaned[i % len(cleaned)]))
    pipeline, old, new = run(bare, lambda i: before(model, rows[i % len(rows)]),
                             lambda i: _answer(model, {"id": 1, "rows": [rows[i % len(rows)]]}))
    out[name] = {"pipeline": pipeline, "before": old, "after": new}
print(json.dumps(out))
`;

/** The families that win runs, each on the example it is benchmarked on. */
const MODELS: {
  name: string;
  family: FixtureFamily;
  label: string;
  csv: string;
  target: string;
  task: 'binary' | 'multiclass';
  metric: 'roc_auc' | 'log_loss';
}[] = [
  {
    name: 'pima',
    family: 'forest',
    label: 'random forest (pima_diabetes)',
    csv: 'pima_diabetes.csv',
    target: 'diabetes',
    task: 'binary',
    metric: 'roc_auc',
  },
  {
    name: 'blend',
    family: 'blend',
    label: 'blend: linear + LightGBM + forest, soft voting (penguins)',
    csv: 'penguins.csv',
    target: 'species',
    task: 'multiclass',
    metric: 'log_loss',
  },
  {
    name: 'lightgbm',
    family: 'lightgbm',
    label: 'LightGBM (pima_diabetes)',
    csv: 'pima_diabetes.csv',
    target: 'diabetes',
    task: 'binary',
    metric: 'roc_auc',
  },
  {
    name: 'linear',
    family: 'linear',
    label: 'linear, one-hot categoricals (penguins)',
    csv: 'penguins.csv',
    target: 'species',
    task: 'multiclass',
    metric: 'log_loss',
  },
  {
    name: 'prior',
    family: 'prior',
    label: 'prior baseline (pima_diabetes)',
    csv: 'pima_diabetes.csv',
    target: 'diabetes',
    task: 'binary',
    metric: 'roc_auc',
  },
];

type Measured = { p50: number; p99: number; rowsPerSecond: number };

async function main(): Promise<void> {
  const home = await tempHome('ouro-bench-');
  const published: Record<string, { key: string; rows: Record<string, unknown>[]; modelDir: string }> = {};
  for (const m of MODELS) {
    process.stderr.write(`training ${m.label}…\n`);
    const fixture = await publishFixtureModel({
      home,
      name: m.name,
      csv: `${EXAMPLES}/${m.csv}`,
      target: m.target,
      task: m.task,
      metric: m.metric,
      family: m.family,
    });
    published[m.name] = {
      key: (await createKeyIfMissing(home, m.name))!,
      rows: holdoutRecords(fixture.holdoutFeatures),
      modelDir: fixture.modelDir,
    };
  }
  const { key, rows } = published.pima!;
  const logger = createLogger('silent');
  /** results[model][path], and why a model the 'auto' server loaded is not on ONNX. */
  const results: Record<string, Partial<Record<'onnx' | 'python', Measured>>> = {};
  const notOnnx: Record<string, string> = {};
  let refused: Awaited<ReturnType<typeof refusal>> | null = null;
  const maxRows = 10_000;
  for (const onnx of ['auto', 'off'] as const) {
    // One key sends thousands of requests a minute here: no rate limit. OURO_PYTHON as set (a worktree's .venv may be a symlink).
    const env = {
      OURO_HOME: home,
      OURO_SERVE_ONNX: onnx,
      OURO_SERVE_WORKERS: '2',
      OURO_SERVE_RATE_LIMIT: '0',
      OURO_SERVE_MAX_ROWS: String(maxRows),
      ...(process.env.OURO_PYTHON ? { OURO_PYTHON: process.env.OURO_PYTHON } : {}),
    };
    const server = await startServer({ config: loadConfig(env), logger, port: 0, hostname: '127.0.0.1' });
    // Permutation importance runs in the background once a version serves: not beside the timings.
    await server.host.explanationsSettled();
    for (const m of MODELS) {
      const loaded = server.host.loaded().find((l) => l.name === m.name);
      if (loaded === undefined) throw new Error(`${m.name} was not loaded`);
      if (onnx === 'auto' && loaded.path !== 'onnx') notOnnx[m.name] = loaded.pathReason;
      if (results[m.name]?.[loaded.path] !== undefined) continue;
      process.stderr.write(`measuring ${m.label} on the ${loaded.path} path…\n`);
      const p = published[m.name]!;
      (results[m.name] ??= {})[loaded.path] = await measure(
        server.url,
        m.name,
        p.key,
        p.rows,
        loaded.path === 'onnx' ? SINGLE : SINGLE_PYTHON,
      );
    }
    if (onnx === 'auto' && server.host.loaded().find((l) => l.name === 'pima')?.path === 'onnx') {
      process.stderr.write('refusing a 10 MB, 5M-row CSV…\n');
      refused = await refusal(server, key, rows, maxRows);
    }
    await server.close();
  }
  const { writeFile } = await import('node:fs/promises');
  const inputs: [string, string, string][] = [];
  for (const m of MODELS) {
    const rowsFile = `${home}/rows-${m.name}.json`;
    await writeFile(rowsFile, JSON.stringify(published[m.name]!.rows));
    inputs.push([m.name, published[m.name]!.modelDir, rowsFile]);
  }
  process.stderr.write('timing the serving loop in-process, before and after…\n');
  const baseline = JSON.parse(
    python(['-c', BASELINE, String(SINGLE_PYTHON), JSON.stringify(inputs)]),
  ) as Record<string, Record<'pipeline' | 'before' | 'after', [number, number]>>;

  const ms = (x: number) => `${x.toFixed(3)} ms`;
  const cell = (r: Measured | undefined) =>
    r === undefined
      ? '— | — | —'
      : `${ms(r.p50)} | ${ms(r.p99)} | ${Math.round(r.rowsPerSecond).toLocaleString('en-US')} rows/s`;
  const lines = [
    `Each family served by one \`ouro serve\` over keep-alive HTTP on loopback, first with OURO_SERVE_ONNX=auto (the ONNX path wherever the export matches the Python model on the holdout), then with OURO_SERVE_ONNX=off (the Python pool): ${SINGLE} sequential single-row requests per model on the ONNX path, ${SINGLE_PYTHON} on the Python path, and ${BATCHES} requests of ${BATCH_ROWS} rows.`,
    '',
    `| family | ONNX p50 | ONNX p99 | ONNX batches of ${BATCH_ROWS} | Python p50 | Python p99 | Python batches of ${BATCH_ROWS} |`,
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...MODELS.map(
      (m) => `| ${m.label} | ${cell(results[m.name]?.onnx)} | ${cell(results[m.name]?.python)} |`,
    ),
    '',
    '',
    'The Python path in-process (no HTTP, no sandbox), single row, p50 / p99, the three variants interleaved call by call: the bare pipeline on a row already cleaned; the serving loop before this change (pandas cleaner, then `predict` and `predict_proba`: the pipeline twice); the serving loop now (`Cleaner.transform_records`, the pipeline once):',
    '',
    '| family | bare pipeline | serving loop before | serving loop now | before / now |',
    '| --- | --- | --- | --- | --- |',
    ...MODELS.map((m) => {
      const b = baseline[m.name]!;
      return `| ${m.label} | ${ms(b.pipeline[0])} / ${ms(b.pipeline[1])} | ${ms(b.before[0])} / ${ms(b.before[1])} | ${ms(b.after[0])} / ${ms(b.after[1])} | ${(b.before[0] / b.after[0]).toFixed(2)}× |`;
    }),
  ];
  const onnxP50 = MODELS.flatMap((m) =>
    results[m.name]?.onnx === undefined ? [] : [[m.label, results[m.name]!.onnx!.p50] as const],
  );
  const missed = onnxP50.filter(([, p]) => p > 2);
  lines.push(
    '',
    `Budget (docs/architecture.md, "Targets"), single-row p50 ≤ 2 ms on the ONNX path: ${onnxP50.length === 0 ? 'no ONNX path' : missed.length === 0 ? `met by every family on ONNX (slowest ${ms(Math.max(...onnxP50.map(([, p]) => p)))})` : `MISSED by ${missed.map(([l, p]) => `${l} (${ms(p)})`).join(', ')}`}.`,
  );
  const fallbacks = Object.entries(notOnnx);
  lines.push(
    '',
    fallbacks.length === 0
      ? 'Every family was served on the ONNX path.'
      : `Not on the ONNX path: ${fallbacks.map(([n, why]) => `${MODELS.find((m) => m.name === n)!.label}: ${why}`).join('; ')}`,
  );
  if (refused !== null) {
    const r = refused;
    lines.push(
      '',
      `Refusing a ${(r.bytes / 1e6).toFixed(1)} MB CSV of ${HUGE_ROWS.toLocaleString('en-US')} rows (OURO_SERVE_MAX_ROWS=${maxRows.toLocaleString('en-US')}; median of ${REFUSALS}, each on a new connection, with /v2/health/live polled beside it):`,
      '',
      '| what | time | rows parsed |',
      '| --- | --- | --- |',
      `| HTTP 413, streamed (stops at the row cap) | ${r.refusedMs.toFixed(1)} ms | ${Math.round(r.parsedPerRefusal).toLocaleString('en-US')} |`,
      `| baseline: the old order, whole body parsed then rows counted (today's parser without the cap, in-process, no HTTP; +${Math.round(r.oldRssMb)} MB RSS) | ${r.oldMs.toFixed(1)} ms | ${HUGE_ROWS.toLocaleString('en-US')} |`,
      `| baseline: an ordinary ${BATCH_ROWS}-row CSV request, predicted (HTTP) | ${r.servedMs.toFixed(1)} ms | ${BATCH_ROWS.toLocaleString('en-US')} |`,
      '',
      `The refusal takes ${(r.oldMs / r.refusedMs).toFixed(0)}× less time than the old full parse and ${(r.refusedMs / r.servedMs).toFixed(2)}× the time of an ordinary ${BATCH_ROWS}-row request; the slowest of ${r.healthChecks} health checks meanwhile took ${r.healthMaxMs.toFixed(1)} ms.`,
    );
  }
  console.log(lines.join('\n'));
  if (onnxP50.length === 0 || missed.length > 0 || fallbacks.length > 0) process.exitCode = 1;
  agent.destroy();
}

await main();
