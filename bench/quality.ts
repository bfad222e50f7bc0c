/**
 * `npm run bench:quality`: ouro against FLAML and a constant baseline, on the same seeded
 * holdout, the same cores and the same wall-time budget.
 *
 *   npm run bench:quality -- [--datasets penguins,concrete] [--budget 120] [--seeds 3] [--quick] [--out file.json]
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
import { higherIsBetter, type Metric } from '../core/schemas/task.ts';
import { BENCH_ROOT as ROOT, QUICK_DATASETS, TABULAR_DATASETS, unknownDataset } from './datasets.ts';
import { ensureFlamlPython } from './flaml-venv.ts';
import { outcome, runOuro } from './run-ouro.ts';
import type { RunEvent } from '../core/schemas/events.ts';

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

/** One dataset × seed. */
export interface QualityRun {
  dataset: string;
  seed: number;
  metric: Metric;
  baseline: number;
  flaml: number | null;
  ouro: number | null;
  flamlSeconds: number;
  ouroSeconds: number;
  flamlModel: string | null;
  ouroModel: string | null;
  /** Seconds from the run's start (its `accepted` event) to its first finished model other than the baseline. */
  firstModelSeconds?: number | null;
  /** Where ouro's time went: one line per step, seconds from `accepted` (read it to see why a run lost). */
  timeline?: string[];
  error?: string;
}

/** One line per step of a run: profile, plan, each experiment (operator, family, CV, seconds), the stop. */
export function runTimeline(events: readonly RunEvent[]): string[] {
  const accepted = events.find((e) => e.type === 'accepted');
  if (accepted === undefined) return [];
  const t0 = Date.parse(accepted.at);
  const at = (e: RunEvent) => `${((Date.parse(e.at) - t0) / 1000).toFixed(1)} s`;
  const ops = new Map<string, string>();
  const out: string[] = [];
  for (const e of events) {
    if (e.type === 'profiled') out.push(`${at(e)} profiled ${e.rows} rows × ${e.columns} columns`);
    else if (e.type === 'planned')
      out.push(`${at(e)} planned: ${e.plan.families.map((f) => f.family).join(', ')}`);
    else if (e.type === 'experiment.started') ops.set(e.node, e.operator);
    else if (e.type === 'experiment.finished')
      out.push(
        `${at(e)} ${e.node} ${ops.get(e.node) ?? ''} ${e.family}: cv ${e.cvMean.toFixed(4)} in ${(e.durationMs / 1000).toFixed(1)} s`,
      );
    else if (e.type === 'experiment.failed')
      out.push(
        `${at(e)} ${e.node} ${ops.get(e.node) ?? ''} ${e.family} failed (${e.diagnosis.class}) in ${(e.durationMs / 1000).toFixed(1)} s`,
      );
    else if (e.type === 'note' && /stop|left/i.test(e.message)) out.push(`${at(e)} ${e.message}`);
    else if (e.type === 'validated' || e.type === 'finished') out.push(`${at(e)} ${e.type}`);
  }
  return out;
}

/** Time to a useful model: from `accepted` to the first non-baseline `experiment.finished`. */
export function firstModelSeconds(events: readonly RunEvent[]): number | null {
  const accepted = events.find((e) => e.type === 'accepted');
  const first = events.find((e) => e.type === 'experiment.finished' && e.family !== 'baseline');
  return accepted && first ? (Date.parse(first.at) - Date.parse(accepted.at)) / 1000 : null;
}

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

function runFlaml(python: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(python, ['-W', 'ignore', join(ROOT, 'bench', 'flaml', 'run_flaml.py'), ...args], {
      cwd: ROOT,
      env: { ...process.env, PYTHONPATH: join(ROOT, 'sandbox', 'python') },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve((performance.now() - started) / 1000)
        : reject(new Error(`FLAML runner exited with ${code}`)),
    );
  });
}

async function oneRun(
  dataset: string,
  seed: number,
  budget: number,
  nJobs: number,
  python: string,
  home: string,
): Promise<QualityRun> {
  const file = join(ROOT, 'bench', 'datasets', `${dataset}.csv`);
  const started = performance.now();
  const events = await runOuro(file, TABULAR_DATASETS[dataset]!, { budget, seed, home });
  const ouroSeconds = (performance.now() - started) / 1000;
  const o = outcome(events);
  if ('error' in o)
    throw new Error(`ouro produced no validated model on ${dataset} (seed ${seed}): ${o.error}`);
  const { validated, finished } = o;
  const runDir = join(home, 'runs', validated.runId);
  const outFile = join(home, `${validated.runId}.flaml.json`);
  const task = finished.card.task;
  const flamlSeconds = await runFlaml(python, [
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
    String(nJobs),
    '--out',
    outFile,
  ]);
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

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) =>
  xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));

/** (score − baseline) / (best − baseline): 1 for the better contender, 0 for the baseline. */
export function scaled(metric: Metric, s: number, baseline: number, contenders: number[]): number {
  const best = higherIsBetter(metric) ? Math.max(...contenders) : Math.min(...contenders);
  const span = best - baseline;
  return span === 0 ? 0 : (s - baseline) / span;
}

function firstModelCell(rs: readonly QualityRun[]): string {
  const xs = rs.map((r) => r.firstModelSeconds).filter((x): x is number => typeof x === 'number');
  return xs.length === 0 ? '–' : `${mean(xs).toFixed(1)} s`;
}

/** Scaled scores closer than this count as a tie. */
const TIE = 0.01;

export function summarize(runs: QualityRun[]): {
  table: string;
  meanScaled: { flaml: number; ouro: number };
  wins: number;
  ties: number;
  losses: number;
} {
  const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(1) : n.toFixed(4));
  const pm = (xs: number[]) => (xs.length > 1 ? `${fmt(mean(xs))} ± ${fmt(std(xs))}` : fmt(mean(xs)));
  const lines = [
    '| dataset | metric | baseline | FLAML | ouro | scaled FLAML | scaled ouro | FLAML time | ouro time | ouro first model | FLAML model | ouro model |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const allScaled = { flaml: [] as number[], ouro: [] as number[] };
  let wins = 0;
  let ties = 0;
  let losses = 0;
  const datasets = [...new Set(runs.map((r) => r.dataset))];
  for (const d of datasets) {
    const rs = runs.filter((r) => r.dataset === d && r.flaml !== null && r.ouro !== null);
    if (rs.length === 0) {
      lines.push(`| ${d} | | | | | | | | | | failed: ${runs.find((r) => r.dataset === d)?.error ?? ''} | |`);
      losses += 1;
      continue;
    }
    const metric = rs[0]!.metric;
    const sf = rs.map((r) => scaled(metric, r.flaml!, r.baseline, [r.flaml!, r.ouro!]));
    const so = rs.map((r) => scaled(metric, r.ouro!, r.baseline, [r.flaml!, r.ouro!]));
    allScaled.flaml.push(mean(sf));
    allScaled.ouro.push(mean(so));
    const diff = mean(so) - mean(sf);
    if (Math.abs(diff) < TIE) ties += 1;
    else if (diff > 0) wins += 1;
    else losses += 1;
    const models = (xs: (string | null)[]) => [...new Set(xs.filter((x) => x !== null))].join(', ');
    lines.push(
      `| ${d} | ${metric} ${higherIsBetter(metric) ? '↑' : '↓'} | ${fmt(mean(rs.map((r) => r.baseline)))} | ${pm(rs.map((r) => r.flaml!))} | ${pm(rs.map((r) => r.ouro!))} | ${mean(sf).toFixed(3)} | ${mean(so).toFixed(3)} | ${mean(rs.map((r) => r.flamlSeconds)).toFixed(0)} s | ${mean(rs.map((r) => r.ouroSeconds)).toFixed(0)} s | ${firstModelCell(rs)} | ${models(rs.map((r) => r.flamlModel))} | ${models(rs.map((r) => r.ouroModel))} |`,
    );
  }
  const meanScaled = {
    flaml: allScaled.flaml.length ? mean(allScaled.flaml) : 0,
    ouro: allScaled.ouro.length ? mean(allScaled.ouro) : 0,
  };
  lines.push(
    '',
    `Mean scaled score: FLAML ${meanScaled.flaml.toFixed(3)}, ouro ${meanScaled.ouro.toFixed(3)}. ouro vs FLAML: ${wins} wins, ${ties} ties, ${losses} losses (tie: scaled scores within ${TIE}).`,
  );
  return { table: lines.join('\n'), meanScaled, wins, ties, losses };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      datasets: { type: 'string' },
      budget: { type: 'string' },
      seeds: { type: 'string' },
      quick: { type: 'boolean', default: false },
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
  const nJobs = loadConfig().OURO_SANDBOX_CPUS;
  const python = await ensureFlamlPython();
  const home = await mkdtemp(join(tmpdir(), 'ouro-bench-quality-'));
  await chmod(home, 0o755);
  const runs: QualityRun[] = [];
  try {
    for (const dataset of names) {
      for (const seed of seeds) {
        try {
          const r = await oneRun(dataset, seed, budget, nJobs, python, home);
          runs.push(r);
          console.error(
            `${dataset} seed ${seed}: ${r.metric} baseline ${r.baseline.toFixed(4)}, FLAML ${r.flaml!.toFixed(4)} (${r.flamlSeconds.toFixed(0)} s), ouro ${r.ouro!.toFixed(4)} (${r.ouroSeconds.toFixed(0)} s)`,
          );
        } catch (err) {
          console.error(`${dataset} seed ${seed}: ${(err as Error).message}`);
          runs.push({
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
          });
        }
      }
    }
  } finally {
    await rm(home, { recursive: true, force: true });
  }
  const s = summarize(runs);
  const flamlVersion =
    /^FLAML==(\S+)/m.exec(await readFile(join(ROOT, 'bench', 'flaml', 'requirements.txt'), 'utf8'))?.[1] ??
    '?';
  console.log(
    `ouro (heuristic brain) vs FLAML ${flamlVersion}: budget ${budget} s each, seeds ${seeds.join(', ')}, n_jobs ${nJobs}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; scores on the same 20 % holdout (mean ± std over seeds)\n`,
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
