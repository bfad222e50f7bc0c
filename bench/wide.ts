/**
 * npm run bench:wide — profile and split of a wide table (200 rows × 3,001 columns: 3,000
 * numeric features and a yes/no target), the bound: both in under 5 s on 2 cores. Runs the
 * harness's `inspect` and `split` steps exactly as the loop does (the run's Python, bare: the
 * sandbox adds its ~0.3 s start, bench:sandbox). Reports the median wall time of each step over
 * BENCH_RUNS runs (default 3) against a baseline measured in the same runs: the same Python
 * importing pandas, reading the CSV as text cells and writing it to Parquet, the floor any
 * profile pays (on a loaded machine the ratio says more than the seconds). Results in
 * bench/results/wide.json.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
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

const BASELINE = 'import sys, pandas as pd; pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False).to_parquet(sys.argv[2])';

function step(python: string, args: string[]): Promise<{ wall: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(python, args[0] === '-c' ? args : ['-m', 'ouro_harness', ...args], { cwd: BENCH_ROOT, env: { ...process.env, PYTHONPATH: join(BENCH_ROOT, 'sandbox', 'python') }, stdio: ['ignore', 'ignore', 'inherit'] });
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
    const times = { baseline: [] as number[], inspect: [] as number[], split: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      const run = join(dir, `run${i}`);
      await mkdir(run);
      const t0 = await step(python, ['-c', BASELINE, csv, join(run, 'baseline.parquet')]);
      const t1 = await step(python, ['inspect', '--input', csv, '--profile', join(run, 'profile.json'), '--table', join(run, 'table.parquet')]);
      const t2 = await step(python, ['split', '--table', join(run, 'table.parquet'), '--profile', join(run, 'profile.json'), '--target', 'y', '--task', 'binary', '--metric', 'roc_auc', '--seed', '42', '--holdout-fraction', '0.2', '--workspace', join(run, 'workspace'), '--holdout', join(run, 'holdout'), '--vault', join(run, 'vault')]);
      times.baseline.push(t0.wall);
      times.inspect.push(t1.wall);
      times.split.push(t2.wall);
      console.error(`run ${i + 1}: baseline ${t0.wall.toFixed(2)} s, inspect ${t1.wall.toFixed(2)} s, split ${t2.wall.toFixed(2)} s`);
    }
    const baselineS = median(times.baseline);
    const inspectS = median(times.inspect);
    const splitS = median(times.split);
    const totalS = median(times.inspect.map((t, i) => t + times.split[i]!));
    const result = { rows: ROWS, columns: FEATURES + 1, runs: RUNS, cores: cpus().length, load: loadavg()[0] ?? 0, baselineS, inspectS, splitS, totalS, boundS: BOUND_S };
    const ratio = (s: number) => `${(s / baselineS).toFixed(1)}×`;
    console.log(
      [
        `| step | median wall time (${RUNS} runs) | × baseline | bound |`,
        '| --- | --- | --- | --- |',
        `| baseline: pandas reads the CSV, writes Parquet | ${baselineS.toFixed(2)} s | 1.0× | |`,
        `| profile (inspect) | ${inspectS.toFixed(2)} s | ${ratio(inspectS)} | |`,
        `| split | ${splitS.toFixed(2)} s | ${ratio(splitS)} | |`,
        `| profile + split | ${totalS.toFixed(2)} s | ${ratio(totalS)} | ${BOUND_S} s |`,
      ].join('\n'),
    );
    console.log(`load average ${result.load.toFixed(1)} on ${result.cores} cores`);
    await mkdir(join(BENCH_ROOT, 'bench', 'results'), { recursive: true });
    await writeFile(join(BENCH_ROOT, 'bench', 'results', 'wide.json'), JSON.stringify(result, null, 2) + '\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
