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
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { createKeyIfMissing } from '../deploy/api-keys.ts';
import { startServer } from '../deploy/server.ts';
import { EXAMPLES, holdoutRecords, publishFixtureModel, python, tempHome } from '../deploy/test-fixtures.ts';
import { agent, BATCH_ROWS, BATCHES, measure, SINGLE, SINGLE_PYTHON } from './serve-http.ts';
import { BASELINE, MODELS } from './serve-models.ts';
import { HUGE_ROWS, refusal, REFUSALS } from './serve-refusal.ts';

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
