/**
 * `npm run bench`: every benchmark in turn, then docs/benchmarks.md rebuilt from their output.
 *
 *   npm run bench -- [--only quality,serve] [--quick]
 *
 * Each benchmark prints its markdown to stdout (progress goes to stderr); that output is kept
 * in bench/results/<name>.md, so running a subset refreshes those sections and keeps the rest.
 * The prose that interprets a table lives in bench/notes/<name>.md, next to the numbers.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../core/config.ts';
import { BENCH_ROOT as ROOT, FORECAST_DATASETS, TABULAR_DATASETS } from './datasets.ts';

interface Section {
  name: string;
  title: string;
  command: string;
  script: string;
  args?: string[];
  quickArgs?: string[];
}

const SECTIONS: Section[] = [
  {
    name: 'quality',
    title: 'ouro against FLAML at equal budget',
    command: 'npm run bench:quality',
    script: 'quality.ts',
    quickArgs: ['--quick'],
  },
  {
    name: 'loop',
    title: 'The loop on every classification and regression dataset',
    command: 'npm run bench:loop',
    script: 'loop.ts',
    args: ['--datasets', Object.keys(TABULAR_DATASETS).join(',')],
    quickArgs: ['--datasets', 'penguins', '--budget', '60'],
  },
  {
    name: 'forecast',
    title: 'Forecasting against seasonal naive',
    command: 'npm run bench:loop -- --datasets air_passengers,aus_gas',
    script: 'loop.ts',
    args: ['--datasets', Object.keys(FORECAST_DATASETS).join(','), '--out', 'forecast.json'],
  },
  { name: 'serve', title: 'Serving', command: 'npm run bench:serve', script: 'serve.ts' },
  {
    name: 'serve-memory',
    title: 'Serving 200 models from one server',
    command: 'npm run bench:serve-memory',
    script: 'serve-memory.ts',
    quickArgs: [],
  },
  { name: 'sandbox', title: 'Sandbox start-up', command: 'npm run bench:sandbox', script: 'sandbox.ts' },
  { name: 'queue', title: 'Queue', command: 'npm run bench:queue', script: 'queue.ts' },
  {
    name: 'store',
    title: 'The S3 artifact store: 1 GB through the adapter',
    command: 'npm run bench:store',
    script: 'store.ts',
  },
  {
    name: 'analysis',
    title: 'Analysis reports: known answers, time and memory',
    command: 'npm run bench:analysis',
    script: 'analysis.ts',
  },
  { name: 'tokens', title: 'LLM prompts', command: 'npm run bench:tokens', script: 'tokens.ts' },
  { name: 'synthetic', title: 'Synthetic data', command: 'npm run bench:synthetic', script: 'synthetic.ts' },
];

function runSection(s: Section, quick: boolean): Promise<{ code: number; stdout: string; seconds: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join('bench', s.script), ...(s.args ?? []), ...(quick ? (s.quickArgs ?? []) : [])],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      process.stdout.write(c);
    });
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? 1, stdout: stdout.trim(), seconds: (performance.now() - started) / 1000 }),
    );
  });
}

function version(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? (r.stdout || r.stderr).trim().split('\n')[0]! : 'unavailable';
}

async function machine(): Promise<string> {
  const osRelease = existsSync('/etc/os-release')
    ? /PRETTY_NAME="?([^"\n]+)/.exec(await readFile('/etc/os-release', 'utf8'))?.[1]
    : undefined;
  const cfg = loadConfig();
  return [
    `- CPU: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores; memory ${(totalmem() / 2 ** 30).toFixed(0)} GiB; no GPU used`,
    `- OS: ${osRelease ?? 'unknown'} (kernel ${release()})`,
    `- Node ${process.version}; sandbox ${version(cfg.OURO_PYTHON, ['--version'])}; sandbox limits ${cfg.OURO_SANDBOX_CPUS} CPUs, ${cfg.OURO_SANDBOX_MEMORY_MB} MB`,
    `- Docker: ${version('docker', ['version', '--format', 'server {{.Server.Version}}'])}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { only: { type: 'string' }, quick: { type: 'boolean', default: false } },
  });
  const only = values.only?.split(',');
  for (const n of only ?? [])
    if (!SECTIONS.some((s) => s.name === n))
      throw new Error(`unknown benchmark ${n}; known: ${SECTIONS.map((s) => s.name).join(', ')}`);
  const results = join(ROOT, 'bench', 'results');
  await mkdir(results, { recursive: true });
  let failed = 0;
  for (const s of SECTIONS) {
    if (only && !only.includes(s.name)) continue;
    console.error(`\n== ${s.command}${values.quick && s.quickArgs ? ` -- ${s.quickArgs.join(' ')}` : ''}`);
    const r = await runSection(s, values.quick);
    if (r.code !== 0) failed += 1;
    const stamp = `Measured ${new Date().toISOString().slice(0, 10)}${values.quick && s.quickArgs ? ` with \`-- ${s.quickArgs.join(' ')}\`` : ''}; the command took ${Math.round(r.seconds)} s${r.code === 0 ? '' : ` and exited with code ${r.code}`}.`;
    await writeFile(join(results, `${s.name}.md`), `${r.stdout}\n\n${stamp}\n`);
  }
  const parts = [
    '# Benchmarks',
    '',
    'Generated by `npm run bench` (each section also has its own command). Every number comes',
    'from a command in this repository; speed numbers are ratios or comparisons against a',
    'baseline measured in the same run. Re-run them to refresh this page.',
    '',
    '## The machine',
    '',
    await machine(),
  ];
  for (const s of SECTIONS) {
    const out = join(results, `${s.name}.md`);
    if (!existsSync(out)) continue;
    parts.push('', `## ${s.title} (\`${s.command}\`)`, '', (await readFile(out, 'utf8')).trim());
    const notes = join(ROOT, 'bench', 'notes', `${s.name}.md`);
    if (existsSync(notes)) parts.push('', (await readFile(notes, 'utf8')).trim());
  }
  await writeFile(join(ROOT, 'docs', 'benchmarks.md'), parts.join('\n') + '\n');
  console.error(`\ndocs/benchmarks.md written${failed ? `; ${failed} benchmark(s) failed` : ''}`);
  if (failed) process.exitCode = 1;
}

await main();
