import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../core/config.ts';
import { higherIsBetter } from '../core/schemas/task.ts';
import { scaled, summarize, type QualityRun } from '../bench/quality-report.ts';
import { REPO_ROOT } from './support/cli.ts';
import { makeTempDir } from './support/temp-dir.ts';

const run = (over: Partial<QualityRun>): QualityRun => ({
  dataset: 'd',
  seed: 1,
  metric: 'roc_auc',
  baseline: 0.5,
  flaml: 0.8,
  ouro: 0.9,
  flamlSeconds: 1,
  ouroSeconds: 1,
  flamlModel: 'lgbm',
  ouroModel: 'linear',
  ...over,
});

test('scaled score is 1 for the better contender and 0 for the baseline, for gains and losses alike', () => {
  const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} ≠ ${b}`);
  near(scaled('roc_auc', 0.9, 0.5, [0.8, 0.9]), 1);
  near(scaled('roc_auc', 0.8, 0.5, [0.8, 0.9]), 0.75);
  near(scaled('log_loss', 0.2, 1, [0.2, 0.4]), 1);
  near(scaled('log_loss', 0.4, 1, [0.2, 0.4]), 0.75);
  assert.equal(scaled('rmse', 10, 10, [10, 10]), 0);
});

test('the summary counts wins, ties and losses per dataset from the mean scaled score over seeds', () => {
  const s = summarize([
    run({ dataset: 'a', seed: 1 }),
    run({ dataset: 'a', seed: 2, ouro: 0.7 }), // ouro 1 and 0.667, FLAML 0.75 and 1 → FLAML ahead on the mean
    run({ dataset: 'b', metric: 'rmse', baseline: 10, flaml: 5, ouro: 5 }),
    run({ dataset: 'c', metric: 'log_loss', baseline: 1, flaml: 0.4, ouro: 0.2 }),
    run({ dataset: 'e', flaml: null, ouro: null, error: 'no model' }),
  ]);
  assert.deepEqual({ wins: s.wins, ties: s.ties, losses: s.losses }, { wins: 1, ties: 1, losses: 2 });
  assert.ok(Math.abs(s.meanScaled.ouro - (0.8333333 + 1 + 1) / 3) < 1e-6, String(s.meanScaled.ouro));
  assert.match(s.table, /\| c \| log_loss ↓ \| 1\.0000 \| 0\.4000 \| 0\.2000 \| 0\.750 \| 1\.000 \|/);
});

test('the FLAML runner refuses a split that differs from the ouro run it is compared with', async () => {
  const tmp = await makeTempDir('bench-split');
  try {
    const python = loadConfig().OURO_PYTHON;
    const env = { ...process.env, PYTHONPATH: join(REPO_ROOT, 'sandbox', 'python') };
    const runDir = join(tmp.path, 'run');
    for (const d of ['prep', 'workspace', 'holdout', 'vault'])
      await mkdir(join(runDir, d), { recursive: true });
    const csv = join(REPO_ROOT, 'bench', 'datasets', 'pima_diabetes.csv');
    const harness = (args: string[]) =>
      spawnSync(python, ['-m', 'ouro_harness', ...args], { env, encoding: 'utf8' });
    assert.equal(
      harness([
        'inspect',
        '--input',
        csv,
        '--profile',
        join(runDir, 'prep', 'profile.json'),
        '--table',
        join(runDir, 'prep', 'table.parquet'),
      ]).status,
      0,
    );
    const split = harness([
      'split',
      '--table',
      join(runDir, 'prep', 'table.parquet'),
      '--profile',
      join(runDir, 'prep', 'profile.json'),
      '--target',
      'diabetes',
      '--task',
      'binary',
      '--metric',
      'roc_auc',
      '--seed',
      '7',
      '--workspace',
      join(runDir, 'workspace'),
      '--holdout',
      join(runDir, 'holdout'),
      '--vault',
      join(runDir, 'vault'),
    ]);
    assert.equal(split.status, 0, split.stderr);
    const out = join(tmp.path, 'out.json');
    const check = (seed: number) =>
      spawnSync(
        python,
        [
          join(REPO_ROOT, 'bench', 'flaml', 'run_flaml.py'),
          '--csv',
          csv,
          '--run',
          runDir,
          '--task',
          'binary',
          '--metric',
          'roc_auc',
          '--seed',
          String(seed),
          '--budget',
          '1',
          '--n-jobs',
          '1',
          '--out',
          out,
          '--check-split',
        ],
        { env, encoding: 'utf8' },
      );
    assert.equal(check(7).status, 0, 'the seed the run used reproduces its vault');
    assert.notEqual(check(8).status, 0, 'another seed must be refused');
    assert.equal(existsSync(out), false);
  } finally {
    await tmp.cleanup();
  }
});

test(
  'bench:quality --quick scores ouro, FLAML and the baseline on the same holdout',
  { timeout: 15 * 60_000 },
  async () => {
    const tmp = await makeTempDir('bench-quality');
    try {
      const out = join(tmp.path, 'quality.json');
      const res = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'bench/quality.ts', '--quick', '--out', out],
        {
          cwd: REPO_ROOT,
          encoding: 'utf8',
          env: { ...process.env, OURO_HOME: tmp.path },
          // spawnSync kills a child past maxBuffer (1 MiB by default) and reports status null.
          maxBuffer: 256 * 1024 * 1024,
        },
      );
      const why = res.stderr
        .split('\n')
        .filter((l) => / seed \d+: /.test(l))
        .join('\n');
      assert.equal(
        res.status,
        0,
        `status ${res.status}, signal ${res.signal}, ${res.error?.message ?? ''}\n${why}\n${res.stderr.slice(-1500)}`,
      );
      const doc = JSON.parse(await readFile(out, 'utf8')) as { runs: QualityRun[] };
      assert.deepEqual(
        doc.runs.map((r) => r.dataset),
        ['penguins', 'pima_diabetes'],
      );
      for (const r of doc.runs) {
        assert.equal(r.error, undefined);
        const better = (s: number) => (higherIsBetter(r.metric) ? s > r.baseline : s < r.baseline);
        const notWorse = (s: number) => (higherIsBetter(r.metric) ? s >= r.baseline : s <= r.baseline);
        for (const s of [r.flaml!, r.ouro!])
          assert.ok(Number.isFinite(s) && notWorse(s), `${r.dataset}: ${s} vs baseline ${r.baseline}`);
        // On a loaded machine a short budget may leave one contender at the baseline, never both.
        assert.ok(
          better(r.flaml!) || better(r.ouro!),
          `${r.dataset}: neither contender beat the baseline ${r.baseline}`,
        );
        // Where ouro's time went: the profile, then each experiment with its CV and seconds.
        assert.match(r.timeline?.[0] ?? '', /^\d+\.\d s profiled \d+ rows/);
        assert.ok(
          r.timeline?.some((l) => / n1 draft \w+: cv \d/.test(l)),
          JSON.stringify(r.timeline),
        );
      }
      assert.match(res.stdout, /\| penguins \| log_loss/);
    } finally {
      await tmp.cleanup();
    }
  },
);
