/**
 * `npm run bench:loop`: `ouro run` as a user runs it (default budget, heuristic brain, local
 * sandbox) on every classification, regression and forecasting dataset, then a table of holdout
 * score vs the baseline (the prior, the mean, or seasonal naive for forecasts). Writes
 * bench/results/<out> (default loop.json) and prints the markdown table.
 *
 *   npm run bench:loop -- [--datasets penguins,concrete] [--budget 180] [--seed 42] [--out loop.json]
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { higherIsBetter } from '../core/schemas/task.ts';
import { BENCH_ROOT as ROOT, LOOP_DATASETS, unknownDataset } from './datasets.ts';
import { outcome, runOuro } from './run-ouro.ts';

interface Row {
  dataset: string;
  metric: string;
  baseline: number;
  cv: number;
  holdout: number;
  family: string;
  experiments: number;
  failed: number;
  seconds: number;
  beatsBaseline: boolean;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      datasets: { type: 'string' },
      budget: { type: 'string', default: '180' },
      seed: { type: 'string', default: '42' },
      out: { type: 'string', default: 'loop.json' },
    },
  });
  const names = values.datasets ? values.datasets.split(',') : Object.keys(LOOP_DATASETS);
  const budget = Number(values.budget);
  const seed = Number(values.seed);
  const home = await mkdtemp(join(tmpdir(), 'ouro-bench-'));
  await chmod(home, 0o755);
  const rows: Row[] = [];
  try {
    for (const name of names) {
      const goal = LOOP_DATASETS[name];
      if (goal === undefined) throw unknownDataset(name);
      const started = performance.now();
      const events = await runOuro(join(ROOT, 'bench', 'datasets', `${name}.csv`), goal, {
        budget,
        seed,
        home,
      });
      const seconds = (performance.now() - started) / 1000;
      const o = outcome(events);
      if ('error' in o) {
        console.error(`${name}: no validated model (${o.error})`);
        continue;
      }
      const { validated: v, finished: f } = o;
      const better = higherIsBetter(v.metric) ? v.holdout > v.baseline : v.holdout < v.baseline;
      rows.push({
        dataset: name,
        metric: v.metric,
        baseline: v.baseline,
        cv: v.cv,
        holdout: v.holdout,
        family: f.card.family,
        experiments: f.card.experiments.tried,
        failed: f.card.experiments.failed,
        seconds,
        beatsBaseline: better,
      });
      console.error(
        `${name}: ${v.metric} holdout ${v.holdout.toFixed(4)} vs baseline ${v.baseline.toFixed(4)} in ${seconds.toFixed(0)} s`,
      );
    }
  } finally {
    await rm(home, { recursive: true, force: true });
  }
  const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(1) : n.toFixed(4));
  const table = [
    `ouro run, heuristic brain, budget ${budget} s, seed ${seed}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    '',
    '| dataset | metric | baseline | CV | holdout | best family | experiments (failed) | wall time |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.dataset} | ${r.metric} | ${fmt(r.baseline)} | ${fmt(r.cv)} | ${fmt(r.holdout)}${r.beatsBaseline ? '' : ' ✗'} | ${r.family} | ${r.experiments} (${r.failed}) | ${r.seconds.toFixed(0)} s |`,
    ),
  ].join('\n');
  console.log(table);
  await mkdir(join(ROOT, 'bench', 'results'), { recursive: true });
  await writeFile(
    join(ROOT, 'bench', 'results', values.out.replace(/[^\w.-]/g, '')),
    JSON.stringify({ budget, seed, rows }, null, 2) + '\n',
  );
  if (rows.length < names.length || rows.some((r) => !r.beatsBaseline)) process.exitCode = 1;
}

await main();
