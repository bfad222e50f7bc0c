/**
 * npm run bench:serve — prediction latency and throughput through HTTP, for the ONNX path and
 * the Python path of the same tree model (a random forest on examples/pima_diabetes.csv),
 * beside a baseline measured in the same run: a Python loop calling the saved scikit-learn
 * pipeline's predict on a one-row DataFrame. DESIGN.md §7: single-row p50 ≤ 2 ms.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { createKeyIfMissing } from '../deploy/api-keys.ts';
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
  for (const onnx of ['auto', 'off'] as const) {
    const server = await startServer({ config: loadConfig({ OURO_HOME: home, OURO_SERVE_ONNX: onnx, OURO_SERVE_WORKERS: '2' }), logger, port: 0, hostname: '127.0.0.1' });
    const path = server.host.loaded()[0]!.path;
    process.stderr.write(`measuring the ${path} path (${server.host.loaded()[0]!.pathReason})…\n`);
    results[path] = await measure(server.url, key, rows, path === 'onnx' ? SINGLE : SINGLE_PYTHON);
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
  console.log(lines.join('\n'));
  if (p50 === undefined || p50 > 2) process.exitCode = 1;
  agent.destroy();
}

await main();
