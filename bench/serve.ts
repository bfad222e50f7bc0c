/**
 * npm run bench:serve — prediction latency and throughput through HTTP, for the ONNX path and
 * the Python path of the same tree model (a random forest on examples/pima_diabetes.csv),
 * beside a baseline measured in the same run: a Python loop calling the saved scikit-learn
 * pipeline's predict on a one-row DataFrame. DESIGN.md §7: single-row p50 ≤ 2 ms.
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
import { EXAMPLES, holdoutRecords, publishFixtureModel, python, tempHome } from '../deploy/test-fixtures.ts';

const SINGLE = Number(process.env.BENCH_SINGLE ?? 2000);
/** The Python path is ~50x slower: fewer sequential requests keep the bench to a minute or two. */
const SINGLE_PYTHON = Number(process.env.BENCH_SINGLE_PYTHON ?? 300);
const BATCH_ROWS = 1000;
const BATCHES = Number(process.env.BENCH_BATCHES ?? 20);

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function post(url: URL, key: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function measure(base: string, key: string, rows: Record<string, unknown>[], single: number) {
  const url = new URL(`${base}/v1/models/pima/predict`);
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
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99), rowsPerSecond: (BATCHES * BATCH_ROWS) / seconds };
}

/** One POST on its own connection (a refused body is not read to its end, so the socket is not reused). */
function postOnce(url: URL, key: string, body: Buffer, type: string): Promise<{ status: number; ms: number }> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers: { authorization: `Bearer ${key}`, 'content-type': type, 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t }));
    });
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
async function refusal(server: Awaited<ReturnType<typeof startServer>>, key: string, rows: Record<string, unknown>[], maxRows: number) {
  const url = new URL(`${server.url}/v1/models/pima/predict`);
  const columns = Object.keys(rows[0]!);
  const huge = Buffer.from(`${columns[0]}\n${'1\n'.repeat(HUGE_ROWS)}`);
  const ordinary = Buffer.from([columns.join(','), ...Array.from({ length: BATCH_ROWS }, (_, i) => columns.map((c) => rows[i % rows.length]![c] ?? '').join(','))].join('\n'));
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
  const parsedPerRefusal = (server.metrics.csvRowsParsed('pima') - parsedBefore - REFUSALS * BATCH_ROWS) / REFUSALS;
  // The old approach, in-process: the whole body decoded and parsed, and only then the rows counted.
  const rss0 = process.memoryUsage().rss;
  const t = performance.now();
  const all = parseCsvRecords(huge.toString('utf8'));
  const oldMs = performance.now() - t;
  const oldRssMb = (process.memoryUsage().rss - rss0) / 1024 / 1024;
  if (all.length <= maxRows) throw new Error('the old approach would have accepted the body');
  return { refusedMs: median(refused), servedMs: median(served), healthMaxMs: Math.max(...health), healthChecks: health.length, parsedPerRefusal, oldMs, oldRssMb, bytes: huge.length };
}

const BASELINE = `
import json, sys, time, joblib
import pandas as pd
model = joblib.load(sys.argv[1] + '/model.joblib')
rows = json.loads(open(sys.argv[2]).read())
n = int(sys.argv[3])
def run(fn):
    for i in range(100): fn(i)
    t = []
    for i in range(n):
        s = time.perf_counter(); fn(i); t.append((time.perf_counter() - s) * 1000)
    t.sort(); return t[len(t) // 2], t[min(len(t) - 1, int(0.99 * len(t)))]
frames = [pd.DataFrame([r]) for r in rows]
cleaned = [model.transform(f) for f in frames]
pipe = run(lambda i: model.estimator.predict(cleaned[i % len(cleaned)]))
full = run(lambda i: model.predict_proba(frames[i % len(frames)]))
print(json.dumps({"pipeline": pipe, "with_cleaner": full}))
`;

async function main(): Promise<void> {
  const home = await tempHome('ouro-bench-');
  process.stderr.write('training a random forest on examples/pima_diabetes.csv…\n');
  const fixture = await publishFixtureModel({ home, name: 'pima', csv: `${EXAMPLES}/pima_diabetes.csv`, target: 'diabetes', task: 'binary', metric: 'roc_auc', family: 'forest' });
  const key = (await createKeyIfMissing(home, 'pima'))!;
  const rows = holdoutRecords(fixture.holdoutFeatures);
  const logger = createLogger('silent');
  const results: Record<string, { p50: number; p99: number; rowsPerSecond: number }> = {};
  let refused: Awaited<ReturnType<typeof refusal>> | null = null;
  const maxRows = 10_000;
  for (const onnx of ['auto', 'off'] as const) {
    // One key sends thousands of requests a minute here: no rate limit. OURO_PYTHON as set (a worktree's .venv may be a symlink).
    const env = { OURO_HOME: home, OURO_SERVE_ONNX: onnx, OURO_SERVE_WORKERS: '2', OURO_SERVE_RATE_LIMIT: '0', OURO_SERVE_MAX_ROWS: String(maxRows), ...(process.env.OURO_PYTHON ? { OURO_PYTHON: process.env.OURO_PYTHON } : {}) };
    const server = await startServer({ config: loadConfig(env), logger, port: 0, hostname: '127.0.0.1' });
    const path = server.host.loaded()[0]!.path;
    process.stderr.write(`measuring the ${path} path (${server.host.loaded()[0]!.pathReason})…\n`);
    results[path] = await measure(server.url, key, rows, path === 'onnx' ? SINGLE : SINGLE_PYTHON);
    if (path === 'onnx') {
      process.stderr.write('refusing a 10 MB, 5M-row CSV…\n');
      refused = await refusal(server, key, rows, maxRows);
    }
    await server.close();
  }
  const { writeFile } = await import('node:fs/promises');
  const rowsFile = `${home}/rows.json`;
  await writeFile(rowsFile, JSON.stringify(rows));
  const baseline = JSON.parse(python(['-c', BASELINE, fixture.modelDir, rowsFile, String(SINGLE_PYTHON)])) as { pipeline: [number, number]; with_cleaner: [number, number] };

  const ms = (x: number) => `${x.toFixed(3)} ms`;
  const lines = [
    `A random forest on pima_diabetes served by \`ouro serve\` over keep-alive HTTP on loopback: ${SINGLE} sequential single-row requests on the ONNX path, ${SINGLE_PYTHON} on the Python path, and ${BATCHES} requests of ${BATCH_ROWS} rows.`,
    '',
    '| path | single-row p50 | single-row p99 | batches of ' + BATCH_ROWS + ' rows |',
    '| --- | --- | --- | --- |',
    ...Object.entries(results).map(([path, r]) => `| HTTP, ${path} | ${ms(r.p50)} | ${ms(r.p99)} | ${Math.round(r.rowsPerSecond).toLocaleString('en-US')} rows/s |`),
    `| baseline: in-process Python, pipeline.predict on a cleaned row (no HTTP) | ${ms(baseline.pipeline[0])} | ${ms(baseline.pipeline[1])} | |`,
    `| baseline: in-process Python, OuroModel.predict_proba (cleaner + pipeline) | ${ms(baseline.with_cleaner[0])} | ${ms(baseline.with_cleaner[1])} | |`,
  ];
  const p50 = results.onnx?.p50;
  lines.push('', `Budget (DESIGN.md §7), single-row p50 ≤ 2 ms on the ONNX path: ${p50 === undefined ? 'no ONNX path' : p50 <= 2 ? `met (${ms(p50)}, ${(baseline.pipeline[0] / p50).toFixed(1)}× faster than the in-process pipeline)` : `MISSED (${ms(p50)})`}.`);
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
  if (p50 === undefined || p50 > 2) process.exitCode = 1;
  agent.destroy();
}

await main();
