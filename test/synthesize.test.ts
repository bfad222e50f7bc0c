import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { loadConfig } from '../core/config.ts';
import { runPaths } from '../core/run-paths.ts';
import type { RunEvent } from '../core/schemas/events.ts';
import { REPO_ROOT, parseEvents, runCli } from './support/cli.ts';
import { makeTempDir } from './support/temp-dir.ts';

const run = promisify(execFile);
let dir: { path: string; cleanup: () => Promise<void> };
before(async () => {
  dir = await makeTempDir('synth');
});
after(() => dir.cleanup());

const env = () => ({ OURO_HOME: join(dir.path, 'home') });
const last = (events: RunEvent[]) => events.at(-1)!;

/** The first `n` data lines of pima (and its header), as a new CSV. */
async function pimaHead(n: number, name: string): Promise<string> {
  const lines = (await readFile(join(REPO_ROOT, 'examples', 'pima_diabetes.csv'), 'utf8')).trim().split('\n');
  const path = join(dir.path, name);
  await writeFile(path, `${lines.slice(0, n + 1).join('\n')}\n`);
  return path;
}

test('"anonymise" gets a stand-in with a card that says what it can and cannot promise, no real row in it, and a generate.py that re-runs alone', async () => {
  const file = await pimaHead(300, 'patients.csv');
  const out = await runCli(
    [
      'synthesize',
      file,
      'anonymise this table so I can share 400 rows with the vendor',
      '--budget',
      '40',
      '--json',
    ],
    env(),
  ).done;
  assert.equal(out.code, 0, out.stdout + out.stderr);
  const events = parseEvents(out.stdout);
  const warn = events.find(
    (e) => e.type === 'note' && e.level === 'warn' && /cannot promise anonymity/.test(e.message),
  );
  assert.ok(warn, 'the anonymise request is answered before anything runs');
  const published = last(events);
  assert.equal(published.type, 'dataset.published');
  if (published.type !== 'dataset.published') return;
  const card = published.card;
  assert.equal(card.purpose, 'stand-in');
  assert.equal(card.rows, 400 - card.privacy.copiesDropped);
  assert.ok(card.caveats.some((c) => /not differential privacy and not anonymisation/.test(c)));
  assert.ok(card.utility.real > 0.6 && card.utility.ratio !== null, JSON.stringify(card.utility));
  // Every number on the card comes from the judge or the host, and the file is what it says.
  const csv = (await readFile(published.path, 'utf8')).trim().split('\n');
  assert.equal(csv.length - 1, card.rows);
  assert.equal(csv[0], 'pregnant,glucose,pressure,triceps,insulin,mass,pedigree,age,diabetes');
  const real = new Set(
    (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.replace(/"/g, '')),
  );
  assert.equal(
    csv.slice(1).filter((l) => real.has(l.replace(/"/g, ''))).length,
    0,
    'no exact copy of a real row',
  );
  const folder = join(runPaths(env().OURO_HOME, published.runId).root, 'dataset');
  assert.ok((await stat(join(folder, 'real-vs-synthetic.png'))).size > 1000);
  assert.match(
    await readFile(join(folder, 'data-card.md'), 'utf8'),
    /## What the checks show and what they cannot/,
  );

  // The winning script, copied anywhere, makes the same table again from the workspace.
  const alone = join(dir.path, 'alone');
  await cp(join(folder, 'generate.py'), join(alone, 'generate.py'));
  const workspace = runPaths(env().OURO_HOME, published.runId).workspace;
  await run(loadConfig().OURO_PYTHON, ['generate.py', '--data', workspace, '--out', 'again.parquet'], {
    cwd: alone,
    env: { PATH: process.env.PATH ?? '', PYTHONPATH: join(REPO_ROOT, 'sandbox', 'python') },
  });
  const summary = JSON.parse(await readFile(join(alone, 'again.json'), 'utf8')) as { rows: number };
  assert.equal(summary.rows, 400);
});

test('more examples of the rare class: rows of that class, judged by real + synthetic against real alone', async () => {
  const file = await pimaHead(400, 'pima400.csv');
  const out = await runCli(
    [
      'synthesize',
      file,
      'we only have a few pos cases, make more examples of the rare class',
      '--budget',
      '20',
      '--json',
    ],
    env(),
  ).done;
  assert.equal(out.code, 0, out.stdout + out.stderr);
  const published = last(parseEvents(out.stdout));
  assert.equal(published.type, 'dataset.published');
  if (published.type !== 'dataset.published') return;
  assert.equal(published.card.purpose, 'augment');
  assert.equal(published.card.augmentedClass, 'pos');
  assert.equal(published.card.utility.metric, 'f1_macro');
  assert.equal(typeof published.card.utility.gain, 'number');
  const rows = (await readFile(published.path, 'utf8')).trim().split('\n').slice(1);
  assert.ok(rows.length > 50 && rows.every((l) => l.endsWith(',pos')), 'only rows of the rare class');
});

test('bad requests get clear answers: over the row cap, a table too small, a target with one class', async () => {
  const over = await runCli(
    ['synthesize', 'examples/pima_diabetes.csv', 'make 5,000 rows like this', '--json'],
    { ...env(), OURO_SYNTH_MAX_ROWS: '1000' },
  ).done;
  assert.equal(over.code, 1);
  const overEnd = last(parseEvents(over.stdout));
  assert.ok(
    overEnd.type === 'failed' &&
      overEnd.code === 'rows_over_cap' &&
      /5,000 rows.*at most 1,000.*OURO_SYNTH_MAX_ROWS/.test(overEnd.message),
    JSON.stringify(overEnd),
  );

  const small = await runCli(
    ['synthesize', await pimaHead(20, 'tiny.csv'), 'make 1000 rows like this', '--json'],
    env(),
  ).done;
  assert.equal(small.code, 1);
  const smallEnd = last(parseEvents(small.stdout));
  assert.ok(
    smallEnd.type === 'failed' &&
      smallEnd.code === 'table_too_small' &&
      /has 20 rows; I need at least 50/.test(smallEnd.message),
    JSON.stringify(smallEnd),
  );

  const lines = [
    'amount,region,status',
    ...Array.from({ length: 80 }, (_, i) => `${10 + i},${i % 2 ? 'north' : 'south'},open`),
  ];
  const oneClass = join(dir.path, 'one-class.csv');
  await writeFile(oneClass, `${lines.join('\n')}\n`);
  const single = await runCli(
    ['synthesize', oneClass, 'more examples of the rare status', '--target', 'status', '--json'],
    env(),
  ).done;
  assert.equal(single.code, 1);
  const singleEnd = last(parseEvents(single.stdout));
  assert.ok(
    singleEnd.type === 'failed' &&
      singleEnd.code === 'target_unusable' &&
      /one value only \("open"\).*no rare class/.test(singleEnd.message),
    JSON.stringify(singleEnd),
  );
});
