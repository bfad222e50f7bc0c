/**
 * deployModel as `ouro run` uses it: a key made once, a real background `ouro serve`, a curl
 * that works as printed; then the CLI: key rotation, rollback refusal, `ouro serve stop`.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PACKAGE_ROOT, loadConfig, type Config } from '../core/config.ts';
import { readKeyFile } from './api-keys.ts';
import { readServeState, runningServer, stopBackgroundServer } from './background-server.ts';
import { deployModel } from './deploy-model.ts';
import { EXAMPLES, publishFixtureModel, tempHome } from './test-fixtures.ts';

let config: Config;
const cli = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(PACKAGE_ROOT, 'cli', 'main.ts'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, OURO_HOME: config.OURO_HOME, OURO_PORT: String(config.OURO_PORT) },
  });

before(async () => {
  const home = await tempHome();
  // A port of its own, so a developer's `ouro serve` on 8808 is not in the way.
  config = loadConfig({
    OURO_HOME: home,
    OURO_PORT: String(20000 + Math.floor(Math.random() * 20000)),
    ...(process.env.OURO_PYTHON ? { OURO_PYTHON: process.env.OURO_PYTHON } : {}),
  });
  await publishFixtureModel({
    home,
    name: 'pima',
    csv: `${EXAMPLES}/pima_diabetes.csv`,
    target: 'diabetes',
    task: 'binary',
    metric: 'roc_auc',
    family: 'lightgbm',
  });
});
after(async () => {
  await stopBackgroundServer(config);
});

test('deployModel starts the server, makes the key once and prints a working curl', async () => {
  const first = await deployModel({ config, name: 'pima', version: 1 });
  assert.equal(first.startedServer, true);
  assert.equal(first.ready, true);
  assert.match(first.key ?? '', /^ouro_[A-Za-z0-9_-]{32}$/);
  assert.equal(first.url, `http://127.0.0.1:${config.OURO_PORT}/v1/models/pima/predict`);
  assert.equal(first.pageUrl, `http://127.0.0.1:${config.OURO_PORT}/models/pima`);
  assert.ok(first.path === 'onnx' || first.path === 'python');
  // Only the hash is stored.
  const stored = await readKeyFile(config.OURO_HOME, 'pima');
  assert.ok(stored !== null && !JSON.stringify(stored).includes(first.key!));

  const out = execFileSync('sh', ['-c', first.curl], { encoding: 'utf8' });
  const body = JSON.parse(out) as {
    model: string;
    version: number;
    predictions: string[];
    probabilities: Record<string, number>[];
  };
  assert.equal(body.model, 'pima');
  assert.equal(body.version, 1);
  assert.ok(['neg', 'pos'].includes(body.predictions[0]!));

  const again = await deployModel({ config, name: 'pima', version: 1 });
  assert.equal(again.key, undefined);
  assert.equal(again.startedServer, false);
  assert.match(again.curl, /\$OURO_KEY/);
  const state = await readServeState(config.OURO_HOME);
  assert.equal(state?.port, config.OURO_PORT);
});

test('ouro models key rotate prints a new key; the old one stops working', async () => {
  const before = await readKeyFile(config.OURO_HOME, 'pima');
  const r = cli(['models', 'key', 'rotate', 'pima']);
  assert.equal(r.status, 0, r.stderr);
  const key = r.stdout.trim();
  assert.match(key, /^ouro_[A-Za-z0-9_-]{32}$/);
  assert.notEqual((await readKeyFile(config.OURO_HOME, 'pima'))?.sha256, before?.sha256);
  const url = `http://127.0.0.1:${config.OURO_PORT}/v2/models/pima`;
  let status = 0;
  for (let i = 0; i < 40 && status !== 200; i++) {
    status = (await fetch(url, { headers: { authorization: `Bearer ${key}` } })).status;
    if (status !== 200) await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(status, 200);
  assert.equal(cli(['models', 'rollback', 'pima']).status, 1, 'no version before v1');
  const list = cli(['models', 'list']);
  assert.match(list.stdout, /pima {2}v1 of \[1\]/);
});

test('ouro serve stop ends the background server', async () => {
  const r = cli(['serve', 'stop']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Stopped/);
  assert.equal(await runningServer(config), null);
  assert.equal(await readServeState(config.OURO_HOME), null);
});
