/**
 * `ouro analyze` end to end, real sandbox (docs/architecture.md, "Analysis reports"): a
 * group-rate question gets the exact rates, every analysis.py re-runs on its own to the same
 * numbers, and `ouro serve` serves the report, its charts, their tables and the PDF.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { CHURN_RATES, churnCsv } from '../../bench/analysis-data.ts';
import { loadConfig } from '../../core/config.ts';
import { createLogger } from '../../core/logger.ts';
import type { RunEvent } from '../../core/schemas/events.ts';
import { startServer } from '../../deploy/server.ts';
import { REPO_ROOT, parseEvents, runCli } from '../support/cli.ts';
import { makeTempDir } from '../support/temp-dir.ts';

const run = promisify(execFile);
let dir: { path: string; cleanup: () => Promise<void> };
let home = '';
let published: Extract<RunEvent, { type: 'report.published' }>;
const python = process.env.OURO_PYTHON ?? join(REPO_ROOT, '.venv', 'bin', 'python');

before(async () => {
  dir = await makeTempDir('analysis');
  home = join(dir.path, 'home');
  await writeFile(join(dir.path, 'churn.csv'), churnCsv());
  const out = await runCli(
    [
      'analyze',
      join(dir.path, 'churn.csv'),
      'churn rate by contract',
      '--json',
      '--no-serve',
      '--brain',
      'heuristic',
    ],
    { OURO_HOME: home, ...(process.env.OURO_PYTHON ? { OURO_PYTHON: process.env.OURO_PYTHON } : {}) },
  ).done;
  assert.equal(out.code, 0, out.stdout + out.stderr);
  const events = parseEvents(out.stdout);
  const last = events.at(-1)!;
  assert.equal(last.type, 'report.published', JSON.stringify(events.slice(-3)));
  published = last as typeof published;
});
after(() => dir.cleanup());

interface Findings {
  analyses: {
    id: string;
    claims: { kind: string; subject?: string; values: Record<string, number>; text: string }[];
  }[];
}

test('"churn rate by contract" gives the exact rate of every contract, first thing in the answer', async () => {
  const ledger = JSON.parse(await readFile(published.findings, 'utf8')) as Findings;
  const groups = ledger.analyses.flatMap((a) => a.claims).filter((c) => c.kind === 'group');
  for (const [contract, { n, churned }] of Object.entries(CHURN_RATES)) {
    const claim = groups.find((c) => c.subject === `contract=${contract}`);
    assert.ok(claim, `no finding for ${contract}: ${groups.map((g) => g.subject).join(', ')}`);
    assert.equal(claim.values.value, churned / n);
    assert.equal(claim.values.n, n);
    assert.match(
      published.answer,
      new RegExp(`${contract}: churn = yes rate ${((100 * churned) / n).toFixed(1)}%`),
    );
  }
  assert.ok(published.highlights.length >= 1 && published.charts.length >= 1);
  assert.ok(published.charts.every((c) => existsSync(join(published.path, c.path))));
});

test('every analysis.py re-runs on its own and writes the same numbers', async () => {
  const runRoot = join(home, 'runs', published.report);
  const ledger = JSON.parse(await readFile(published.findings, 'utf8')) as Findings;
  for (const a of ledger.analyses) {
    const folder = join(runRoot, 'analyses', a.id);
    await rm(join(folder, 'findings.json'));
    await run(python, ['analysis.py'], {
      cwd: folder,
      env: {
        PATH: process.env.PATH ?? '',
        PYTHONPATH: join(REPO_ROOT, 'sandbox', 'python'),
        MPLBACKEND: 'Agg',
        OMP_NUM_THREADS: '1',
      },
    });
    const again = JSON.parse(await readFile(join(folder, 'findings.json'), 'utf8')) as {
      claims: { values: Record<string, number> }[];
    };
    assert.deepEqual(
      again.claims.map((c) => c.values),
      a.claims.map((c) => c.values),
      `${a.id} did not reproduce its numbers`,
    );
  }
});

test('ouro serve serves the report, its charts, the tables behind them and the PDF; nothing outside it', async () => {
  const server = await startServer({
    config: loadConfig({
      OURO_HOME: home,
      ...(process.env.OURO_PYTHON ? { OURO_PYTHON: process.env.OURO_PYTHON } : {}),
    }),
    logger: createLogger('silent'),
    port: 0,
    hostname: '127.0.0.1',
  });
  try {
    const base = `${server.url}/reports/${published.report}`;
    const page = await fetch(base);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /churn rate by contract/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const img = /<img src="([^"]+\.png)"/.exec(html)?.[1];
    assert.ok(img, 'no chart inline');
    const png = await fetch(`${base}/${img}`);
    assert.equal(png.headers.get('content-type'), 'image/png');
    const table = /href="([^"]+\.csv)" download/.exec(html)?.[1];
    const csv = await fetch(`${base}/${table}`);
    assert.equal(csv.status, 200);
    assert.match(await csv.text(), /^group,n,positives,value,lo,hi/);
    for (const f of ['report.md', 'findings.json', 'analyses/a1/analysis.py'])
      assert.equal((await fetch(`${base}/${f}`)).status, 200, f);
    if (published.pdf)
      assert.equal((await fetch(`${base}/report.pdf`)).headers.get('content-type'), 'application/pdf');
    for (const bad of [
      '/reports/..%2f..%2fregistry',
      `/reports/${published.report}/analyses/a1/charts/..%2f..%2f..%2f..%2f..%2fruns%2fx.png`,
      `/reports/${published.report}/../../runs`,
      '/reports/nope1234',
    ]) {
      const res = await fetch(`${server.url}${bad}`);
      assert.notEqual(res.status, 200, `${bad}: ${(await res.text()).slice(0, 200)}`);
    }
  } finally {
    await server.close();
  }
});
