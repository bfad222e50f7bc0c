import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { REPO_ROOT, parseEvents, runCli } from './support/cli.ts';
import { binaryTable, writeText } from './support/fixtures.ts';
import { makeTempDir } from './support/temp-dir.ts';

let dir: { path: string; cleanup: () => Promise<void> };
before(async () => {
  dir = await makeTempDir('up');
});
after(() => dir.cleanup());

test('ouro up without REDIS_URL starts its own redis-server; a submitted run ends deployed on its API', async () => {
  const home = join(dir.path, 'home');
  const env: Record<string, string> = { OURO_HOME: home, OURO_PORT: '0', OURO_LOG_LEVEL: 'silent' };
  delete process.env.REDIS_URL;
  const up = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'up'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const ready = new Promise<void>((resolve, reject) => {
    up.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      if (stderr.includes('ouro up: ready')) resolve();
    });
    up.once('exit', (code) => reject(new Error(`ouro up exited ${code}: ${stderr}`)));
  });
  try {
    await ready;
    const redisUrl = /redis-server at (redis:\/\/\S+)/.exec(stderr)?.[1];
    const apiUrl = /prediction API at (http:\/\/\S+)/.exec(stderr)?.[1];
    assert.ok(redisUrl && apiUrl, stderr);
    const file = await writeText(join(dir.path, 'data.csv'), binaryTable({ rows: 200 }));
    const out = await runCli(
      ['submit', file, 'predict churn', '--max-experiments', '2', '--follow', '--json'],
      { ...env, REDIS_URL: redisUrl },
    ).done;
    assert.equal(out.code, 0, out.stderr);
    const events = parseEvents(out.stdout);
    const deployed = events.find((e) => e.type === 'deployed');
    assert.ok(deployed?.type === 'deployed', events.map((e) => e.type).join(', '));
    assert.equal(events.at(-1)?.type, 'finished');
    // The model is live on the API that `ouro up` serves, at the URL the run announced
    // (the key is held for the bot, so check readiness).
    assert.ok(deployed.url.startsWith(apiUrl), `${deployed.url} is not on ${apiUrl}`);
    const name = deployed.name;
    let live = false;
    for (let i = 0; i < 120 && !live; i++) {
      const res = await fetch(`${apiUrl}/v2/models/${name}/ready`);
      live = res.ok && ((await res.json()) as { ready?: boolean }).ready === true;
      if (!live) await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(live, `${name} never became ready on ${apiUrl}`);
  } finally {
    up.kill('SIGTERM');
    await new Promise((r) => up.once('exit', r));
  }
  assert.match(stderr, /ouro up: stopping/);
});
