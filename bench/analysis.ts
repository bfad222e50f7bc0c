/**
 * `npm run bench:analysis` (docs/benchmarks.md, "Analysis reports"): `ouro analyze`'s loop with
 * the heuristic analyst, in process with the real sandbox, on tables whose answer is known —
 * planted drivers (with an interaction, a confounded bystander, noise and a trend), the bundled
 * pima and concrete (the textbook drivers), and churn by contract (exact rates) — with each
 * run's wall time against the 120 s bound and the Node process's memory over its own baseline.
 *
 *   npm run bench:analysis -- [--large-mb 200]   (also a CSV of that size: Node's memory stays flat)
 */
import { createWriteStream } from 'node:fs';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../core/config.ts';
import { FileEventLog } from '../core/events/event-log.ts';
import { newRunId } from '../core/ids.ts';
import { createLogger } from '../core/logger.ts';
import { runPaths } from '../core/run-paths.ts';
import { RunRequestSchema } from '../core/schemas/run-request.ts';
import { createArtifactStore } from '../core/store/create-store.ts';
import { createSandboxDriver } from '../sandbox/create-driver.ts';
import { limitsFromConfig } from '../cli/run-command.ts';
import { runAnalysisLoop } from '../worker/analysis/analysis-loop.ts';
import { HeuristicAnalyst } from '../worker/analysis/heuristic-analyst.ts';
import type { Ledger } from '../worker/analysis/findings-ledger.ts';
import { CHURN_RATES, churnCsv, PLANTED, plantedCsv } from './analysis-data.ts';
import { BENCH_ROOT as ROOT } from './datasets.ts';

interface Case {
  name: string;
  file: string;
  question: string;
  check: (ledger: Ledger) => { ok: boolean; detail: string };
}

function ranks(ledger: Ledger): string[] {
  return ledger.drivers().map((d) => d.column);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'large-mb': { type: 'string', default: '0' } } });
  const work = await mkdtemp(join(tmpdir(), 'ouro-bench-analysis-'));
  await chmod(work, 0o755);
  const config = loadConfig({ ...process.env, OURO_HOME: join(work, 'home') } as NodeJS.ProcessEnv);
  await writeFile(join(work, 'planted.csv'), plantedCsv());
  await writeFile(join(work, 'churn.csv'), churnCsv());
  const cases: Case[] = [
    {
      name: 'planted (3,000 rows)',
      file: join(work, 'planted.csv'),
      question: 'what drives outcome?',
      check: (l) => {
        const order = ranks(l);
        const planted = [...PLANTED.drivers, PLANTED.date];
        const top = order.slice(0, planted.length);
        const recall = planted.filter((p) => top.includes(p)).length / planted.length;
        const lastPlanted = Math.max(...planted.map((p) => order.indexOf(p)));
        const firstNoise = Math.min(...PLANTED.noise.map((n) => order.indexOf(n)).filter((i) => i >= 0));
        return {
          ok: recall === 1 && lastPlanted < firstNoise,
          detail: `recall of planted drivers in the top ${planted.length}: ${(recall * 100).toFixed(0)}%; noise above a planted driver: ${lastPlanted < firstNoise ? 'none' : 'yes'}; order ${order.join(' > ')}`,
        };
      },
    },
    {
      name: 'pima',
      file: join(ROOT, 'examples', 'pima_diabetes.csv'),
      question: 'what drives diabetes?',
      check: (l) => ({
        ok: ranks(l)[0] === 'glucose',
        detail: `first: ${ranks(l)[0]}; order ${ranks(l).join(' > ')}`,
      }),
    },
    {
      name: 'concrete',
      file: join(ROOT, 'examples', 'concrete.csv'),
      question: 'what drives compressive strength?',
      check: (l) => ({
        ok: ['age', 'cement'].every((c) => ranks(l).slice(0, 2).includes(c)),
        detail: `top two: ${ranks(l).slice(0, 2).join(', ')}; order ${ranks(l).join(' > ')}`,
      }),
    },
    {
      name: 'churn by contract',
      file: join(work, 'churn.csv'),
      question: 'churn rate by contract',
      check: (l) => {
        const exact = Object.entries(CHURN_RATES).map(
          ([c, { n, churned }]) =>
            l.claims.find((x) => x.kind === 'group' && x.subject === `contract=${c}`)?.values.value ===
            churned / n,
        );
        return {
          ok: exact.every(Boolean),
          detail: `${exact.filter(Boolean).length} of ${exact.length} rates exact (${Object.entries(
            CHURN_RATES,
          )
            .map(([c, r]) => `${c} ${((100 * r.churned) / r.n).toFixed(1)}%`)
            .join(', ')})`,
        };
      },
    },
  ];
  const largeMb = Number(values['large-mb']);
  if (largeMb > 0) {
    const path = join(work, 'large.csv');
    await writeLarge(path, largeMb);
    cases.push({
      name: `planted, ${largeMb} MB CSV`,
      file: path,
      question: 'what drives outcome?',
      check: (l) => ({
        ok:
          ranks(l).length >= 3 &&
          ranks(l)
            .slice(0, 3)
            .every((c) => PLANTED.drivers.includes(c)),
        detail:
          ranks(l).length > 0
            ? `top three: ${ranks(l).slice(0, 3).join(', ')}`
            : `no driver ranking: ${l.entries.map((e) => e.id).join(', ')} ran within the budget`,
      }),
    });
  }

  const rows: string[] = [];
  let failed = 0;
  try {
    for (const c of cases) {
      const runId = newRunId();
      const paths = runPaths(config.OURO_HOME, runId);
      const events = new FileEventLog(paths.events, runId);
      const request = RunRequestSchema.parse({
        runId,
        dataset: {
          ref: join('runs', runId, 'input', c.file.split('/').pop()!),
          filename: c.file.split('/').pop()!,
        },
        goal: c.question,
        options: { budgetSeconds: 90 },
        kind: 'analysis',
      });
      const store = await createArtifactStore(config);
      await store.putFile(request.dataset.ref, c.file);
      global.gc?.();
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
      const started = performance.now();
      const outcome = await runAnalysisLoop(request, {
        config,
        driver: createSandboxDriver(config),
        analyst: new HeuristicAnalyst(),
        events,
        logger: createLogger('silent'),
        limits: limitsFromConfig(config),
        store,
        publicUrl: null,
      });
      const seconds = (performance.now() - started) / 1000;
      clearInterval(sampler);
      const verdict =
        outcome.status === 'succeeded'
          ? c.check(outcome.ledger)
          : { ok: false, detail: outcome.error?.message ?? 'failed' };
      if (!verdict.ok || seconds > 120) failed += 1;
      const bytes = (await stat(c.file)).size;
      rows.push(
        `| ${c.name} | ${c.question} | ${verdict.ok ? '✓' : '✗'} ${verdict.detail} | ${seconds.toFixed(0)} s (${(seconds / 120).toFixed(2)} of the bound) | +${((peak - baseline) / 2 ** 20).toFixed(0)} MB (file ${(bytes / 2 ** 20).toFixed(1)} MB) |`,
      );
      console.error(
        `${c.name}: ${verdict.ok ? 'ok' : 'FAILED'} in ${seconds.toFixed(0)} s — ${verdict.detail}`,
      );
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  console.log(
    [
      `ouro analyze's loop, heuristic analyst, default budget (90 s), ${cpus().length} cores; memory is the Node process's peak RSS over its baseline before the run`,
      '',
      '| table | question | what the report found | wall time (bound 120 s) | Node memory |',
      '| --- | --- | --- | --- | --- |',
      ...rows,
    ].join('\n'),
  );
  if (failed > 0) process.exitCode = 1;
}

/** The planted table repeated (fresh seeds) to about `mb` megabytes, streamed to disk. */
async function writeLarge(path: string, mb: number): Promise<void> {
  const out = createWriteStream(path);
  let written = 0;
  for (let seed = 1; written < mb * 2 ** 20; seed++) {
    const chunk = plantedCsv(20_000, seed);
    const body = seed === 1 ? chunk : chunk.slice(chunk.indexOf('\n') + 1);
    written += Buffer.byteLength(body);
    if (!out.write(body)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
}

await main();
