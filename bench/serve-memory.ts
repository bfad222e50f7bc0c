/**
 * npm run bench:serve-memory — many deployed models behind one `ouro serve`: 200 registry names
 * (real models trained once by the harness, each version folder published again under many
 * names, so the server prepares, loads and serves each as its own model), half on the ONNX path
 * and half on the Python path, answered round-robin by a child `ouro serve` process. The resident
 * memory of the server and every process under it (the sandboxed Python pool) is sampled from
 * /proc throughout; latencies are reported for a model's first request (a cold load on the
 * Python path), for round-robin traffic, and for a warm model (asked again right away).
 * Goal: ≤ 2 GB for 200 models.
 */
import { spawn } from 'node:child_process';
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, PACKAGE_ROOT } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { freePort } from '../core/net/free-port.ts';
import { registryRoot, versionDir } from '../core/registry.ts';
import { writeJsonAtomic } from '../core/store/json-file.ts';
import { createKeyIfMissing } from '../deploy/api-keys.ts';
import { readServing, servingPaths } from '../deploy/prepare-serving.ts';
import { startServer } from '../deploy/server.ts';
import { EXAMPLES, holdoutRecords, publishFixtureModel, tempHome } from '../deploy/test-fixtures.ts';
import { treeRss } from './process-tree-rss.ts';
import { agent, post as postOnce } from './serve-http.ts';
import { TEMPLATES } from './serve-memory-templates.ts';

const MODELS = Number(process.env.BENCH_MODELS ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARM = Number(process.env.BENCH_WARM ?? 20);
const MEMORY_MB = process.env.OURO_SERVE_MEMORY_MB ?? '1536';
const GOAL_MB = 2048;

async function post(url: string, key: string, body: string): Promise<{ status: number; ms: number }> {
  const t = performance.now();
  const status = await postOnce(new URL(url), key, body);
  return { status, ms: performance.now() - t };
}

function pct(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
}

async function main(): Promise<void> {
  const home = await tempHome('ouro-bench-memory-');
  const rows: Record<string, string> = {};
  for (const t of TEMPLATES) {
    process.stderr.write(`training ${t.family} on ${t.csv}…\n`);
    const f = await publishFixtureModel({
      home,
      name: t.name,
      csv: `${EXAMPLES}/${t.csv}`,
      target: t.target,
      task: t.task,
      metric: t.metric,
      family: t.family,
    });
    rows[t.name] = JSON.stringify([holdoutRecords(f.holdoutFeatures)[0]]);
  }
  // One server prepares each template once (ONNX export and parity check, importance and charts).
  process.stderr.write('preparing the templates (ONNX export, explanations)…\n');
  const env = {
    OURO_HOME: home,
    ...(process.env.OURO_PYTHON ? { OURO_PYTHON: process.env.OURO_PYTHON } : {}),
  };
  const prep = await startServer({
    config: loadConfig(env),
    logger: createLogger('silent'),
    port: 0,
    hostname: '127.0.0.1',
  });
  await prep.host.explanationsSettled();
  await prep.close();
  const nativePath: Record<string, 'onnx' | 'python'> = {};
  for (const t of TEMPLATES) nativePath[t.name] = (await readServing(home, t.name, 1))!.path;
  const onnxTemplates = TEMPLATES.filter((t) => nativePath[t.name] === 'onnx');

  // 200 names: even ones on ONNX, odd ones on Python (a template that does not pass the ONNX
  // check is Python anyway; one that does is served on Python by its copy's serving.json).
  process.stderr.write(`publishing ${MODELS} models…\n`);
  const models: { name: string; template: string; path: 'onnx' | 'python'; key: string }[] = [];
  for (let i = 0; i < MODELS; i++) {
    const python = i % 2 === 1;
    const pool = python ? TEMPLATES : onnxTemplates;
    const t = pool[Math.floor(i / 2) % pool.length]!;
    const path = python ? 'python' : 'onnx';
    const name = `m${String(i).padStart(3, '0')}-${t.family}-${path}`;
    await cp(versionDir(home, t.name, 1), versionDir(home, name, 1), { recursive: true });
    if (python && nativePath[t.name] === 'onnx') {
      const serving = (await readServing(home, t.name, 1))!;
      await writeJsonAtomic(servingPaths(home, name, 1).serving, {
        ...serving,
        path: 'python',
        reason: 'Python (bench:serve-memory serves this copy on the Python path).',
      });
    }
    await writeJsonAtomic(join(registryRoot(home), name, 'current.json'), {
      version: 1,
      updatedAt: new Date().toISOString(),
    });
    models.push({ name, template: t.name, path, key: (await createKeyIfMissing(home, name))! });
  }
  // The templates themselves leave the registry: exactly MODELS names are served.
  for (const t of TEMPLATES) await rm(join(registryRoot(home), t.name), { recursive: true });

  const port = await freePort();
  const metricsPort = await freePort();
  process.stderr.write(`starting ouro serve (OURO_SERVE_MEMORY_MB=${MEMORY_MB})…\n`);
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(PACKAGE_ROOT, 'cli', 'main.ts'),
      'serve',
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
    ],
    {
      cwd: PACKAGE_ROOT,
      env: {
        ...process.env,
        ...env,
        OURO_SERVE_RATE_LIMIT: '0',
        OURO_SERVE_MEMORY_MB: MEMORY_MB,
        OURO_METRICS_PORT: String(metricsPort),
        OURO_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    const ok = await fetch(`${base}/v2/health/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (child.exitCode !== null) throw new Error(`ouro serve exited (${child.exitCode})`);
    await sleep(250);
  }
  const startSeconds = (performance.now() - started) / 1000;
  let peak = { server: 0, children: 0, processes: 0, total: 0 };
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const r = await treeRss(child.pid!);
      if (r.server + r.children > peak.total) peak = { ...r, total: r.server + r.children };
      await sleep(200);
    }
  })();
  const afterStart = await treeRss(child.pid!);

  const latencies: Record<string, number[]> = {};
  const record = (what: string, ms: number) => (latencies[what] ??= []).push(ms);
  const ask = async (m: (typeof models)[number]) => {
    const r = await post(`${base}/v1/models/${m.name}/predict`, m.key, rows[m.template]!);
    if (r.status !== 200) throw new Error(`${m.name}: status ${r.status}`);
    return r.ms;
  };
  for (let round = 1; round <= ROUNDS; round++) {
    process.stderr.write(`round ${round} of ${ROUNDS} over ${models.length} models…\n`);
    for (const m of models)
      record(`${m.path} ${round === 1 ? 'first request' : 'round-robin'}`, await ask(m));
  }
  for (const path of ['onnx', 'python'] as const) {
    for (const m of models.filter((x) => x.path === path).slice(0, WARM)) {
      await ask(m);
      record(`${path} warm`, await ask(m));
    }
  }
  const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then(
    (r) => r.text(),
    () => '',
  );
  const gauge = (name: string) =>
    Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? Number.NaN);
  sampling = false;
  await sampler;
  const end = await treeRss(child.pid!);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  agent.destroy();

  const mb = (x: number) => `${Math.round(x).toLocaleString('en-US')} MB`;
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const count = (p: string) => models.filter((m) => m.path === p).length;
  const lines = [
    `${models.length} models (${count('onnx')} on ONNX: ${onnxTemplates.map((t) => t.family).join(', ')}; ${count('python')} on the Python path: ${TEMPLATES.map((t) => `${t.family}${nativePath[t.name] === 'python' ? ' (does not pass the ONNX check)' : ''}`).join(', ')}), each a registry name of its own, served by one \`ouro serve\` (a child process; OURO_SERVE_MEMORY_MB=${MEMORY_MB}, OURO_SERVE_WORKERS=2), ${ROUNDS} rounds of single-row requests round-robin over every model, then ${WARM} models per path asked twice in a row. The server was ready ${startSeconds.toFixed(1)} s after it started.`,
    '',
    '| resident memory (RSS, /proc) | server (Node) | sandboxed processes under it | processes | total |',
    '| --- | --- | --- | --- | --- |',
    `| after start (every model loaded or registered) | ${mb(afterStart.server)} | ${mb(afterStart.children)} | ${afterStart.processes} | ${mb(afterStart.server + afterStart.children)} |`,
    `| peak during the run | ${mb(peak.server)} | ${mb(peak.children)} | ${peak.processes} | ${mb(peak.total)} |`,
    `| at the end | ${mb(end.server)} | ${mb(end.children)} | ${end.processes} | ${mb(end.server + end.children)} |`,
    '',
    `Goal ≤ ${mb(GOAL_MB)} for ${models.length} models: ${peak.total <= GOAL_MB ? 'met' : 'MISSED'} (peak ${mb(peak.total)}). The pool itself reported ${gauge('ouro_python_processes')} Python processes holding ${gauge('ouro_python_models_loaded')} models (${mb(gauge('ouro_python_resident_bytes') / 2 ** 20)}) at the end; ${gauge('ouro_python_model_loads_total')} model loads and ${gauge('ouro_python_evictions_total')} evictions in all. The sandbox wrappers (setpriv, bwrap) are counted among the processes; RSS counts pages shared between processes once per process, so the total is an upper bound.`,
    '',
    '| requests | count | p50 | p99 |',
    '| --- | --- | --- | --- |',
    ...Object.entries(latencies).map(
      ([what, xs]) => `| ${what} | ${xs.length} | ${ms(pct(xs, 0.5))} | ${ms(pct(xs, 0.99))} |`,
    ),
  ];
  console.log(lines.join('\n'));
  if (peak.total > GOAL_MB) process.exitCode = 1;
}

await main();
