/**
 * `npm run bench:quality`: ouro against FLAML and a constant baseline, on the same seeded
 * holdout, the same cores and the same wall-time budget.
 *
 *   npm run bench:quality -- [--datasets penguins,concrete] [--budget 120] [--seeds 3] [--quick] [--pinned] [--out file.json]
 *
 * Per dataset and seed: `ouro run` exactly as a user runs it (heuristic brain, local sandbox);
 * then FLAML (its own virtualenv, `time_budget` = ouro's budget, `n_jobs` = the sandbox's
 * cores, the same metric) trained on the rows of that run's training split and scored on
 * its holdout — the split is recomputed by the harness's functions and checked against the
 * run's vault. Every score comes from core/metrics.ts. Writes bench/results/quality.json and
 * prints a markdown table.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '../core/config.ts';
import { computeMetric, type MetricInputs } from '../core/metrics.ts';
import type { Metric } from '../core/schemas/task.ts';
import { CappedOutput } from '../sandbox/process/output-cap.ts';
import { BENCH_ROOT as ROOT, QUICK_DATASETS, TABULAR_DATASETS, unknownDataset } from './datasets.ts';
import { ensureFlamlPython } from './flaml-venv.ts';
import { outcome, pinned, runOuro } from './run-ouro.ts';
import { firstModelSeconds, runTimeline, summarize, type QualityRun } from './quality-report.ts';

const Predictions = z.object({
  pred: z.array(z.union([z.string(), z.number()])),
  proba: z.array(z.array(z.number())).optional(),
  seconds: z.number(),
});
const FlamlOutput = z.object({
  task: z.enum(['binary', 'multiclass', 'regression']),
  yTrue: z.array(z.union([z.string(), z.number()])),
  classes: z.array(z.string()).optional(),
  baseline: Predictions,
  flaml: Predictions.extend({ bestEstimator: z.string() }),
});
type FlamlOutput = z.infer<typeof FlamlOutput>;

function score(metric: Metric, out: FlamlOutput, p: z.infer<typeof Predictions>): number {
  const inputs: MetricInputs =
    out.task === 'regression'
      ? { task: 'regression', yTrue: out.yTrue.map(Number), yPred: p.pred.map(Number) }
      : {
          task: out.task,
          yTrue: out.yTrue.map(String),
          yPred: p.pred.map(String),
          proba: p.proba ?? [],
          classes: out.classes ?? [],
        };
  return computeMetric(metric, inputs);
}

function runFlaml(python: string, args: string[], cpu?: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const [command, argv] = pinned(cpu, python, [join(ROOT, 'bench', 'flaml', 'run_flaml.py'), ...args]);
    // PYTHONWARNINGS rather than -W: joblib's worker processes inherit the environment, not the
    // flags, and their warnings once filled megabytes of the benchmark's output.
    const child = spawn(command, argv, {
      cwd: ROOT,
      env: { ...process.env, PYTHONPATH: join(ROOT, 'sandbox', 'python'), PYTHONWARNINGS: 'ignore' },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    // Bounded like a sandbox's output: enough to say why FLAML failed, never all it printed.
    const stderr = new CappedOutput(4000);
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      code === 0
        ? resolve((performance.now() - started) / 1000)
        : reject(
            new Error(
              `FLAML runner exited with ${code ?? signal}: ${stderr.toString().trim().split('\n').slice(-5).join(' | ')}`,
            ),
          ),
    );
  });
}

/** Where each contender runs: both on every core one after the other, or each pinned to its own. */
interface Placement {
  nJobs: number;
  ouroCpu?: number;
  flamlCpu?: number;
}

/** ouro's half of one dataset × seed: the run, as a user runs it; its run folder feeds FLAML. */
async function ouroRun(dataset: string, seed: number, budget: number, home: string, at: Placement) {
  const file = join(ROOT, 'bench', 'datasets', `${dataset}.csv`);
  const started = performance.now();
  const events = await runOuro(file, TABULAR_DATASETS[dataset]!, {
    budget,
    seed,
    home,
    ...(at.ouroCpu === undefined ? {} : { cpu: at.ouroCpu }),
  });
  const ouroSeconds = (performance.now() - started) / 1000;
  const o = outcome(events);
  if ('error' in o)
    throw new Error(`ouro produced no validated model on ${dataset} (seed ${seed}): ${o.error}`);
  return { file, events, ouroSeconds, ...o };
}

/** FLAML's half: trained on the rows of that run's training split, scored on its holdout. */
async function flamlRun(
  ouro: Awaited<ReturnType<typeof ouroRun>>,
  dataset: string,
  seed: number,
  budget: number,
  python: string,
  home: string,
  at: Placement,
): Promise<QualityRun> {
  const { validated, finished, events, ouroSeconds, file } = ouro;
  const runDir = join(home, 'runs', validated.runId);
  const outFile = join(home, `${validated.runId}.flaml.json`);
  const task = finished.card.task;
  const flamlSeconds = await runFlaml(
    python,
    [
      '--csv',
      file,
      '--run',
      runDir,
      '--task',
      task,
      '--metric',
      validated.metric,
      '--seed',
      String(seed),
      '--budget',
      String(budget),
      '--n-jobs',
      String(at.nJobs),
      '--out',
      outFile,
    ],
    at.flamlCpu,
  );
  const out = FlamlOutput.parse(JSON.parse(await readFile(outFile, 'utf8')));
  await rm(runDir, { recursive: true, force: true });
  return {
    dataset,
    seed,
    metric: validated.metric,
    baseline: score(validated.metric, out, out.baseline),
    flaml: score(validated.metric, out, out.flaml),
    ouro: validated.holdout,
    flamlSeconds,
    ouroSeconds,
    flamlModel: out.flaml.bestEstimator,
    ouroModel: finished.card.family,
    firstModelSeconds: firstModelSeconds(events),
    timeline: runTimeline(events),
  };
}

function failedRun(dataset: string, seed: number, err: unknown): QualityRun {
  console.error(`${dataset} seed ${seed}: ${(err as Error).message}`);
  return {
    dataset,
    seed,
    metric: 'rmse',
    baseline: NaN,
    flaml: null,
    ouro: null,
    flamlSeconds: 0,
    ouroSeconds: 0,
    flamlModel: null,
    ouroModel: null,
    error: (err as Error).message,
  };
}

function reportRun(r: QualityRun): QualityRun {
  console.error(
    `${r.dataset} seed ${r.seed}: ${r.metric} baseline ${r.baseline.toFixed(4)}, FLAML ${r.flaml!.toFixed(4)} (${r.flamlSeconds.toFixed(0)} s), ouro ${r.ouro!.toFixed(4)} (${r.ouroSeconds.toFixed(0)} s)`,
  );
  return r;
}

/**
 * Every dataset × seed. Unpinned, ouro then FLAML, each with every core. Pinned (`--pinned`), a
 * pipeline that halves the wall time with the same conditions for both: ouro runs on CPU 0 with
 * a one-core sandbox while FLAML (n_jobs 1) runs on CPU 1 on the split of ouro's previous run.
 */
async function allRuns(
  pairs: [string, number][],
  budget: number,
  python: string,
  home: string,
  at: Placement,
): Promise<QualityRun[]> {
  const runs: Promise<QualityRun>[] = [];
  let flamlChain: Promise<unknown> = Promise.resolve();
  for (const [dataset, seed] of pairs) {
    let ouro: Awaited<ReturnType<typeof ouroRun>>;
    try {
      ouro = await ouroRun(dataset, seed, budget, home, at);
    } catch (err) {
      runs.push(Promise.resolve(failedRun(dataset, seed, err)));
      continue;
    }
    const flaml = flamlChain.then(() =>
      flamlRun(ouro, dataset, seed, budget, python, home, at).then(reportRun, (err) =>
        failedRun(dataset, seed, err),
      ),
    );
    runs.push(flaml);
    flamlChain = flaml;
    if (at.flamlCpu === undefined) await flaml;
  }
  return Promise.all(runs);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      datasets: { type: 'string' },
      budget: { type: 'string' },
      seeds: { type: 'string' },
      quick: { type: 'boolean', default: false },
      pinned: { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  const names = values.datasets
    ? values.datasets.split(',')
    : values.quick
      ? QUICK_DATASETS
      : Object.keys(TABULAR_DATASETS);
  for (const n of names) if (TABULAR_DATASETS[n] === undefined) throw unknownDataset(n, TABULAR_DATASETS);
  const budget = Number(values.budget ?? (values.quick ? 40 : 120));
  const seeds = Array.from({ length: Number(values.seeds ?? (values.quick ? 1 : 3)) }, (_, i) => 42 + i);
  const placement: Placement = values.pinned
    ? { nJobs: 1, ouroCpu: 0, flamlCpu: 1 }
    : { nJobs: loadConfig().OURO_SANDBOX_CPUS };
  const nJobs = placement.nJobs;
  const python = await ensureFlamlPython();
  const home = await mkdtemp(join(tmpdir(), 'ouro-bench-quality-'));
  await chmod(home, 0o755);
  let runs: QualityRun[] = [];
  try {
    runs = await allRuns(
      names.flatMap((d) => seeds.map((seed): [string, number] => [d, seed])),
      budget,
      python,
      home,
      placement,
    );
  } finally {
    await rm(home, { recursive: true, force: true });
  }
  const s = summarize(runs);
  const flamlVersion =
    /^FLAML==(\S+)/m.exec(await readFile(join(ROOT, 'bench', 'flaml', 'requirements.txt'), 'utf8'))?.[1] ??
    '?';
  console.log(
    `ouro (heuristic brain) vs FLAML ${flamlVersion}: budget ${budget} s each, seeds ${seeds.join(', ')}, n_jobs ${nJobs}, ${values.pinned ? 'each contender pinned to its own core (ouro CPU 0 with a one-core sandbox, FLAML CPU 1), run side by side' : `${cpus().length} cores, one contender at a time`}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; scores on the same 20 % holdout (mean ± std over seeds)\n`,
  );
  console.log(s.table);
  const out =
    values.out ?? join(ROOT, 'bench', 'results', values.quick ? 'quality-quick.json' : 'quality.json');
  await mkdir(dirname(out), { recursive: true });
  await writeFile(
    out,
    JSON.stringify(
      {
        budget,
        seeds,
        nJobs,
        pinned: values.pinned,
        runs,
        summary: { meanScaled: s.meanScaled, wins: s.wins, ties: s.ties, losses: s.losses },
      },
      null,
      2,
    ) + '\n',
  );
  if (runs.some((r) => r.error !== undefined)) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
