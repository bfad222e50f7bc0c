import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { loadConfig } from '../core/config.ts';
import { listModels, readCard, versionDir } from '../core/registry.ts';
import { runPaths } from '../core/run-paths.ts';
import { REPO_ROOT, parseEvents, runCli } from './support/cli.ts';
import { makeTempDir } from './support/temp-dir.ts';

const run = promisify(execFile);
let dir: { path: string; cleanup: () => Promise<void> };
before(async () => {
  dir = await makeTempDir('cli');
});
after(() => dir.cleanup());

test('the README example runs to a validated model with a card, and its script runs on its own', async () => {
  const home = join(dir.path, 'home');
  const env = { OURO_HOME: home, OURO_PORT: '0' };
  const out = await runCli(
    ['run', 'examples/pima_diabetes.csv', 'predict diabetes', '--budget', '300', '--max-experiments', '3'],
    env,
  ).done;
  assert.equal(out.code, 0, out.stdout + out.stderr);
  // The run ends deployed: the printed URL and key answer a prediction.
  try {
    const url = /deployed .* at (http\S+)/.exec(out.stdout)?.[1];
    const key = /key: (ouro_\S+)/.exec(out.stdout)?.[1];
    assert.ok(url && key, out.stdout);
    const row = {
      pregnant: 2,
      glucose: 148,
      pressure: 72,
      triceps: 35,
      insulin: '',
      mass: 33.6,
      pedigree: 0.627,
      age: 50,
    };
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify([row]),
    });
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { predictions: unknown[] };
    assert.equal(body.predictions.length, 1);
    const denied = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([row]),
    });
    assert.equal(denied.status, 401);
  } finally {
    await runCli(['serve', 'stop'], env).done;
  }
  assert.match(out.stdout, /metrics card/);
  assert.match(out.stdout, /holdout\s+roc_auc \d\.\d+ vs baseline 0\.5000/);
  assert.doesNotMatch(out.stdout + out.stderr, /Traceback/);

  const models = await listModels(home);
  assert.deepEqual(
    models.map((m) => m.name),
    ['pima-diabetes'],
  );
  const card = await readCard(home, 'pima-diabetes');
  assert.equal(card.target, 'diabetes');
  assert.equal(card.task, 'binary');
  assert.ok(
    card.holdout.score > card.holdout.baseline + 0.1,
    `holdout ${card.holdout.score} vs baseline ${card.holdout.baseline}`,
  );
  assert.ok(card.experiments.tried >= 3);

  // The winning script is a plain Python file: copy it out and run it against the workspace.
  const script = join(versionDir(home, 'pima-diabetes', card.version), card.script);
  const alone = join(dir.path, 'alone');
  await cp(script, join(alone, 'train.py'), { recursive: true });
  const workspace = runPaths(home, card.runId).workspace;
  await run(loadConfig().OURO_PYTHON, ['train.py'], {
    cwd: alone,
    env: {
      PATH: process.env.PATH ?? '',
      OURO_DATA_DIR: workspace,
      PYTHONPATH: join(REPO_ROOT, 'sandbox', 'python'),
    },
  });
  const metrics = JSON.parse(await readFile(join(alone, 'metrics.json'), 'utf8')) as { mean: number };
  assert.ok(Math.abs(metrics.mean - card.cv.mean) < 1e-9, 'the script alone reproduces the CV score');
  assert.ok((await stat(join(alone, 'model', 'signature.json'))).isFile());
});

test('--json prints only events, the first one accepted and the last one finished', async () => {
  const home = join(dir.path, 'home-json');
  const out = await runCli(
    [
      'run',
      'examples/penguins.csv',
      'predict species',
      '--json',
      '--max-experiments',
      '3',
      '--name',
      'penguins-json',
      '--no-serve',
    ],
    { OURO_HOME: home },
  ).done;
  assert.equal(out.code, 0, out.stderr);
  const lines = out.stdout.trim().split('\n');
  const events = parseEvents(out.stdout);
  assert.equal(events.length, lines.length, 'every stdout line is an event');
  assert.equal(events[0]?.type, 'accepted');
  assert.equal(events.at(-1)?.type, 'finished');
  const planned = events.find((e) => e.type === 'planned');
  assert.ok(
    planned?.type === 'planned' && planned.plan.task === 'multiclass' && planned.plan.metric === 'log_loss',
  );
  assert.equal((await readCard(home, 'penguins-json')).experiments.tried, 3);
});

test('--target and --metric override the goal, and a bad override is a clear error', async () => {
  const home = join(dir.path, 'home-override');
  const out = await runCli(
    [
      'run',
      'examples/concrete.csv',
      'predict something',
      '--target',
      'Cement',
      '--metric',
      'mae',
      '--json',
      '--max-experiments',
      '2',
      '--no-serve',
    ],
    { OURO_HOME: home },
  ).done;
  assert.equal(out.code, 0, out.stderr);
  const planned = parseEvents(out.stdout).find((e) => e.type === 'planned');
  assert.ok(planned?.type === 'planned');
  assert.equal(planned.plan.target, 'cement');
  assert.equal(planned.plan.metric, 'mae');
  const bad = await runCli(['run', 'examples/concrete.csv', 'predict x', '--target', 'nope', '--json'], {
    OURO_HOME: home,
  }).done;
  assert.equal(bad.code, 1);
  const failed = parseEvents(bad.stdout).find((e) => e.type === 'failed');
  assert.ok(failed?.type === 'failed' && failed.code === 'target_not_found');
  assert.match(failed.message, /"compressive_strength"/);
});

test('a file over the size cap is refused before anything reads it', async () => {
  const home = join(dir.path, 'home-cap');
  const big = join(dir.path, 'big.csv');
  await writeFile(big, 'a,b\n' + '1,2\n'.repeat(400_000));
  const out = await runCli(['run', big, 'predict b', '--json'], { OURO_HOME: home, OURO_MAX_UPLOAD_MB: '1' })
    .done;
  assert.equal(out.code, 1);
  const failed = parseEvents(out.stdout).find((e) => e.type === 'failed');
  assert.ok(failed?.type === 'failed' && failed.code === 'input_too_large');
  assert.match(failed.message, /limit is 1 MB/);
});

test('a goal that does not settle the target stops with the candidates and the exact --target to type (exit 2); --yes guesses loudly', async () => {
  const home = join(dir.path, 'home-question');
  const goal = 'predict the mileage';
  const out = await runCli(['run', 'test/fixtures/goals/mpg.csv', goal, '--no-serve'], { OURO_HOME: home })
    .done;
  assert.equal(out.code, 2, out.stdout + out.stderr);
  assert.match(out.stdout, /question Two readings of the goal are close: "(hwy|cty)" .* and "(hwy|cty)"/);
  assert.match(
    out.stdout,
    /ouro run test\/fixtures\/goals\/mpg\.csv 'predict the mileage' --no-serve --target hwy/,
  );
  assert.match(out.stdout, /--target cty/);
  assert.doesNotMatch(out.stdout, /experiment|metrics card/);
  assert.deepEqual(await listModels(home), []);

  const yes = await runCli(
    ['run', 'test/fixtures/goals/mpg.csv', goal, '--yes', '--json', '--max-experiments', '1', '--no-serve'],
    { OURO_HOME: home },
  ).done;
  assert.equal(yes.code, 0, yes.stderr);
  const events = parseEvents(yes.stdout);
  const planned = events.find((e) => e.type === 'planned');
  assert.ok(planned?.type === 'planned' && ['hwy', 'cty'].includes(planned.plan.target));
  const warned = events
    .filter((e) => e.type === 'note' && e.level === 'warn')
    .map((e) => (e.type === 'note' ? e.message : ''));
  assert.ok(
    warned.some((m) => /is a guess \(--yes\)/.test(m)),
    warned.join('\n'),
  );
  assert.ok(
    events.findIndex((e) => e.type === 'note' && /is a guess/.test(e.message)) <
      events.findIndex((e) => e.type === 'experiment.started'),
    'the guess is said before any experiment',
  );
});

test('a constant named target and an absent named target each end with a question, never a model of another column', async () => {
  const home = join(dir.path, 'home-bad-target');
  const constant = await runCli(
    ['run', 'test/fixtures/goals/iris_constant_target.csv', 'predict target', '--json', '--no-serve'],
    { OURO_HOME: home },
  ).done;
  assert.equal(constant.code, 2, constant.stderr);
  const asked = parseEvents(constant.stdout).find((e) => e.type === 'question');
  assert.ok(asked?.type === 'question' && asked.why === 'unusable', constant.stdout);
  assert.match(asked.message, /"target", but it cannot be a target: it holds a single value/);
  assert.ok(!asked.candidates.some((c) => c.column === 'target'));
  assert.match(constant.stderr, /--target Species/);
  const absent = await runCli(
    ['run', 'test/fixtures/goals/iris.csv', 'predict the revenue (revenue)', '--json', '--no-serve'],
    { OURO_HOME: home },
  ).done;
  assert.equal(absent.code, 2, absent.stderr);
  const q = parseEvents(absent.stdout).find((e) => e.type === 'question');
  assert.ok(q?.type === 'question' && q.why === 'absent');
  assert.match(q.message, /names "revenue", but the file has no such column/);
  for (const out of [constant, absent])
    assert.ok(!parseEvents(out.stdout).some((e) => e.type === 'planned' || e.type === 'finished'));
  assert.deepEqual(await listModels(home), []);
});
