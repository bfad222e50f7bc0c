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
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
  const rand = () => (a = (a * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const lines = [[...Array.from({ length: FEATURES }, (_, i) => `f${i}`), 'y'].join(',')];
  for (let r = 0; r < ROWS; r++) {
    const xs = Array.from({ length: FEATURES }, () => rand() * 2 - 1);
    lines.push([...xs.map((x) => x.toFixed(4)), xs[0]! + xs[1]! > 0 ? 'yes' : 'no'].join(','));
  }
  return lines.join('\n') + '\n';
}

const BASELINE =
  'import sys, pandas as pd; pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False).to_parquet(sys.argv[2])';
/** Every step records its own CPU seconds at exit: on a loaded machine they move far less than wall time. */
const CPU_PRELUDE = [
  'import atexit, os, resource',
  'def _cpu():',
  '    u = resource.getrusage(resource.RUSAGE_SELF)',
  '    open(os.environ["OURO_BENCH_CPU_FILE"], "w").write(str(u.ru_utime + u.ru_stime))',
  'atexit.register(_cpu)',
].join('\n');
const HARNESS =
  "import runpy, sys; sys.argv = ['ouro_harness'] + sys.argv[1:]; runpy.run_module('ouro_harness', run_name='__main__', alter_sys=True)";

function step(python: string, args: string[], cpuFile: string): Promise<{ wall: number; cpu: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const code = `${CPU_PRELUDE}\n${args[0] === '-c' ? args[1]! : HARNESS}`;
    const rest = args[0] === '-c' ? args.slice(2) : args;
    const child = spawn(python, ['-c', code, ...rest], {
      cwd: BENCH_ROOT,
      env: {
        ...process.env,
        PYTHONPATH: join(BENCH_ROOT, 'sandbox', 'python'),
        OURO_BENCH_CPU_FILE: cpuFile,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (status) => {
      if (status !== 0) return reject(new Error(`ouro_harness ${args[0]} exited ${status}`));
      const wall = (performance.now() - t0) / 1000;
      readFile(cpuFile, 'utf8').then((text) => resolve({ wall, cpu: Number(text) }), reject);
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
    const cpu = { baseline: [] as number[], inspect: [] as number[], split: [] as number[] };
    const cpuFile = join(dir, 'cpu.txt');
    for (let i = 0; i < RUNS; i++) {
      const run = join(dir, `run${i}`);
      await mkdir(run);
      const t0 = await step(python, ['-c', BASELINE, csv, join(run, 'baseline.parquet')], cpuFile);
      const t1 = await step(
        python,
        [
          'inspect',
          '--input',
          csv,
          '--profile',
          join(run, 'profile.json'),
          '--table',
          join(run, 'table.parquet'),
        ],
        cpuFile,
      );
      const t2 = await step(
        python,
        [
          'split',
          '--table',
          join(run, 'table.parquet'),
          '--profile',
          join(run, 'profile.json'),
          '--target',
          'y',
          '--task',
          'binary',
          '--metric',
          'roc_auc',
          '--seed',
          '42',
          '--holdout-fraction',
          '0.2',
          '--workspace',
          join(run, 'workspace'),
          '--holdout',
          join(run, 'holdout'),
          '--vault',
          join(run, 'vault'),
        ],
        cpuFile,
      );
      cpu.baseline.push(t0.cpu);
      cpu.inspect.push(t1.cpu);
      cpu.split.push(t2.cpu);
      times.baseline.push(t0.wall);
      times.inspect.push(t1.wall);
      times.split.push(t2.wall);
      console.error(
        `run ${i + 1}: baseline ${t0.wall.toFixed(2)} s (CPU ${t0.cpu.toFixed(2)} s), inspect ${t1.wall.toFixed(2)} s (CPU ${t1.cpu.toFixed(2)} s), split ${t2.wall.toFixed(2)} s (CPU ${t2.cpu.toFixed(2)} s)`,
      );
    }
    const wall = {
      baseline: median(times.baseline),
      inspect: median(times.inspect),
      split: median(times.split),
      total: median(times.inspect.map((t, i) => t + times.split[i]!)),
    };
    const cpuS = {
      baseline: median(cpu.baseline),
      inspect: median(cpu.inspect),
      split: median(cpu.split),
      total: median(cpu.inspect.map((t, i) => t + cpu.split[i]!)),
    };
    const result = {
      rows: ROWS,
      columns: FEATURES + 1,
      runs: RUNS,
      cores: cpus().length,
      load: loadavg()[0] ?? 0,
      wallS: wall,
      cpuS,
      boundS: BOUND_S,
    };
    const row = (name: string, k: keyof typeof wall, bound = '') =>
      `| ${name} | ${wall[k].toFixed(2)} s | ${(wall[k] / wall.baseline).toFixed(1)}× | ${cpuS[k].toFixed(2)} s | ${(cpuS[k] / cpuS.baseline).toFixed(1)}× | ${bound} |`;
    console.log(
      [
        `| step (median of ${RUNS} runs) | wall time | wall × baseline | CPU time | CPU × baseline | bound (wall, 2 cores) |`,
        '| --- | --- | --- | --- | --- | --- |',
        row('baseline: pandas reads the CSV, writes Parquet', 'baseline'),
        row('profile (inspect)', 'inspect'),
        row('split', 'split'),
        row('profile + split', 'total', `${BOUND_S} s`),
      ].join('\n'),
    );
    console.log(`load average ${result.load.toFixed(1)} on ${result.cores} cores`);
    await mkdir(join(BENCH_ROOT, 'bench', 'results'), { recursive: true });
    await writeFile(
      join(BENCH_ROOT, 'bench', 'results', 'wide.json'),
      JSON.stringify(result, null, 2) + '\n',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
