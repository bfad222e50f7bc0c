/**
 * npm run bench:synthetic — synthetic data on the bundled tables (docs/benchmarks.md,
 * "Synthetic data"). For each table, one `ouro synthesize` stand-in run (the real loop: every
 * generator a fresh generate.py in the sandbox, judged by ouro's judge and the host): per
 * generator and for the chosen one, TSTR / TRTR (the fixed evaluator trained on synthetic vs on
 * real, both scored on the held-back real rows), the real-vs-synthetic discriminator's AUC, the
 * DCR ratio (synthetic rows' distance to the closest real training row over unseen real rows'),
 * exact copies dropped, and wall time. Then augmentation on an imbalanced subset made here (pima
 * with 4 of every 5 positive rows removed): the change in the evaluator's holdout macro F1 when
 * the new rows are added to the real ones. The goal: the chosen generator keeps ≥ 90 % of the
 * real data's utility on most tables, with 0 exact copies left.
 *
 * BENCH_SYNTH_DATASETS=pima_diabetes,concrete picks tables (default: the three in examples/ plus
 * attrition); results in bench/results/synthetic.json and a Markdown table on stdout.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../core/config.ts';
import { FileEventLog } from '../core/events/event-log.ts';
import { newRunId } from '../core/ids.ts';
import { createLogger } from '../core/logger.ts';
import type { DataCard } from '../core/schemas/data-card.ts';
import { createArtifactStore } from '../core/store/create-store.ts';
import { createSandboxDriver } from '../sandbox/create-driver.ts';
import { limitsFromConfig } from '../cli/run-command.ts';
import { synthesize } from '../worker/synthesis/synthesize.ts';
import { BENCH_ROOT } from './datasets.ts';

const TABLES: Record<string, { file: string; goal: string; target: string }> = {
  pima_diabetes: {
    file: 'examples/pima_diabetes.csv',
    goal: 'make synthetic rows like this I can share',
    target: 'diabetes',
  },
  penguins: {
    file: 'examples/penguins.csv',
    goal: 'make synthetic rows like this I can share',
    target: 'species',
  },
  concrete: {
    file: 'examples/concrete.csv',
    goal: 'make synthetic rows like this I can share',
    target: 'compressive_strength',
  },
  attrition: {
    file: 'bench/datasets/attrition.csv',
    goal: 'make synthetic rows like this I can share',
    target: 'Attrition',
  },
};

interface Row {
  table: string;
  purpose: string;
  generator: string;
  chosen: boolean;
  utility: number | null;
  auc: number | null;
  dcr: number | null;
  copies: number | null;
  seconds: number;
  metric: string;
  real: number;
}

async function runOne(file: string, goal: string, target: string, home: string): Promise<DataCard> {
  const config = { ...loadConfig(), OURO_HOME: home };
  const runId = newRunId();
  const store = await createArtifactStore(config);
  const ref = join('runs', runId, 'input', file.split('/').at(-1)!);
  await store.putFile(ref, file);
  const events = new FileEventLog(join(home, 'runs', runId, 'events.jsonl'), runId);
  const outcome = await synthesize(
    {
      runId,
      dataset: { ref, filename: file.split('/').at(-1)! },
      goal,
      target,
      budgetSeconds: 1800,
      seed: 42,
    },
    {
      config,
      driver: createSandboxDriver(config),
      limits: limitsFromConfig(config),
      store,
      events,
      logger: createLogger('warn'),
    },
  );
  if (outcome.card === null) throw new Error(`${file}: ${outcome.error?.message}`);
  return outcome.card;
}

function rowsOf(table: string, card: DataCard): Row[] {
  return card.tried.map((t) => ({
    table,
    purpose: card.purpose,
    generator: `${t.id} ${t.label}`,
    chosen: t.id === card.generator.id,
    utility: t.utility,
    auc: t.discriminatorAuc,
    dcr: t.dcrRatio,
    copies: t.copiesDropped,
    seconds: t.seconds,
    metric: card.utility.metric,
    real: card.utility.real,
  }));
}

/** pima with 4 of every 5 positive rows removed: a small, imbalanced table to augment. */
async function imbalancedPima(dir: string): Promise<string> {
  const lines = (await readFile(join(BENCH_ROOT, 'examples', 'pima_diabetes.csv'), 'utf8'))
    .trim()
    .split('\n');
  let pos = 0;
  const kept = lines.slice(1).filter((l) => !l.endsWith('"pos"') || pos++ % 5 === 0);
  const path = join(dir, 'pima_imbalanced.csv');
  await writeFile(path, `${[lines[0], ...kept].join('\n')}\n`);
  return path;
}

const f = (n: number | null, d = 3) => (n === null ? 'n/a' : n.toFixed(d));

async function main(): Promise<void> {
  const wanted = (process.env.BENCH_SYNTH_DATASETS ?? Object.keys(TABLES).join(','))
    .split(',')
    .filter(Boolean);
  const dir = await mkdtemp(join(tmpdir(), 'ouro-bench-synth-'));
  await chmod(dir, 0o755); // the sandbox user must reach the run folders inside
  const rows: Row[] = [];
  try {
    for (const name of wanted) {
      const t = TABLES[name];
      if (t === undefined) throw new Error(`unknown table ${name}; known: ${Object.keys(TABLES).join(', ')}`);
      const card = await runOne(join(BENCH_ROOT, t.file), t.goal, t.target, join(dir, 'home'));
      rows.push(...rowsOf(name, card));
      process.stderr.write(
        `${name}: chose ${card.generator.label}, ${f(card.utility.ratio)} of real ${card.utility.metric}\n`,
      );
    }
    const aug = await runOne(
      await imbalancedPima(dir),
      'we only have a few pos cases, make more examples of the rare class',
      'diabetes',
      join(dir, 'home'),
    );
    rows.push(...rowsOf('pima_imbalanced', aug));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await mkdir(join(BENCH_ROOT, 'bench', 'results'), { recursive: true });
  await writeFile(
    join(BENCH_ROOT, 'bench', 'results', 'synthetic.json'),
    `${JSON.stringify({ at: new Date().toISOString(), rows }, null, 2)}\n`,
  );
  const lines = [
    '| table | generator | chosen | utility | disc. AUC | DCR ratio | copies dropped | wall s |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.table} (${r.purpose}, ${r.metric} real ${f(r.real)}) | ${r.generator} | ${r.chosen ? '**yes**' : ''} | ${r.purpose === 'augment' ? `${r.utility !== null && r.utility >= 0 ? '+' : ''}${f(r.utility, 4)}` : f(r.utility)} | ${f(r.auc)} | ${f(r.dcr, 2)} | ${r.copies ?? 'n/a'} | ${r.seconds.toFixed(1)} |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const chosen = rows.filter((r) => r.chosen && r.purpose === 'stand-in');
  const kept = chosen.filter((r) => (r.utility ?? 0) >= 0.9).length;
  process.stdout.write(
    `\nchosen stand-ins keeping ≥ 90 % of real utility: ${kept} of ${chosen.length}; exact copies left: 0 (dropped: ${chosen.map((r) => r.copies ?? 0).join(', ')})\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
