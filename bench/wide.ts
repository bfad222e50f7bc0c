/**
 * npm run bench:wide — profile and split of a wide table (200 rows × 3,001 columns: 3,000
 * numeric features and a yes/no target), the bound: under 5 s each on 2 cores. Runs the
 * harness's `inspect` and `split` steps exactly as the loop does (the run's Python, bare: the
 * sandbox adds its ~0.3 s start, bench:sandbox). Reports the median wall time of each step over
 * BENCH_RUNS runs (default 3); results in bench/results/wide.json.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../core/config.ts';
import { BENCH_ROOT } from './datasets.ts';

const ROWS = 200;
const FEATURES = 3_000;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BOUND_S = 5;

/** A seeded wide table: the target depends on the first two columns. */
function wideCsv(): string {
  let a = 12345;
  const rand = () => ((a = (a * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const lines = [[...Array.from({ length: FEATURES }, (_, i) => `f${i}`), 'y'].join(',')];
  for (let r = 0; r < ROWS; r++) {
    const xs = Array.from({ length: FEATURES }, () => rand() * 2 - 1);
    lines.push([...xs.map((x) => x.toFixed(4)), xs[0]! + xs[1]! > 0 ? 'yes' : 'no'].join(','));
  }
  return lines.join('\n') + '\n';
}

function step(python: string, args: string[]): Promise<{ wall: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(python, ['-m', 'ouro_harness', ...args], { cwd: BENCH_ROOT, env: { ...process.env, PYTHONPATH: join(BENCH_ROOT, 'sandbox', 'python') }, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`ouro_harness ${args[0]} exited ${code}`));
      resolve({ wall: (performance.now() - t0) / 1000 });
    });
  });
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const python = loadConfig().OURO_PYTHON;
  const dir = await mkdtemp(join(tmpdir(), 'ouro-bench-wide-'));
  try {
    const csv = join(dir, 'wide.csv');
    await writeFile(csv, wideCsv());
    const times = { inspect: [] as number[], split: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      const run = join(dir, `run${i}`);
      await mkdir(run);
      const t1 = await step(python, ['inspect', '--input', csv, '--profile', join(run, 'profile.json'), '--table', join(run, 'table.parquet')]);
      const t2 = await step(python, ['split', '--table', join(run, 'table.parquet'), '--profile', join(run, 'profile.json'), '--target', 'y', '--task', 'binary', '--metric', 'roc_auc', '--seed', '42', '--holdout-fraction', '0.2', '--workspace', join(run, 'workspace'), '--holdout', join(run, 'holdout'), '--vault', join(run, 'vault')]);
      times.inspect.push(t1.wall);
      times.split.push(t2.wall);
      console.error(`run ${i + 1}: inspect ${t1.wall.toFixed(2)} s, split ${t2.wall.toFixed(2)} s`);
    }
    const result = { rows: ROWS, columns: FEATURES + 1, runs: RUNS, cores: cpus().length, inspectS: median(times.inspect), splitS: median(times.split), boundS: BOUND_S };
    console.log(`| step | median wall time (${RUNS} runs) | bound |\n| --- | --- | --- |\n| profile (inspect) | ${result.inspectS.toFixed(2)} s | ${BOUND_S} s |\n| split | ${result.splitS.toFixed(2)} s | ${BOUND_S} s |`);
    await mkdir(join(BENCH_ROOT, 'bench', 'results'), { recursive: true });
    await writeFile(join(BENCH_ROOT, 'bench', 'results', 'wide.json'), JSON.stringify(result, null, 2) + '\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
