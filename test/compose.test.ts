import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { freePort } from '../core/net/free-port.ts';
import { redisKeys } from '../core/queue/redis-keys.ts';
import { REPO_ROOT, parseEvents, runCli } from './support/cli.ts';
import { binaryTable, writeText } from './support/fixtures.ts';
import { makeTempDir } from './support/temp-dir.ts';

// Self-hosting as docs/self-hosting.md says it, with the images built offline: the application
// image from the real Dockerfile (scripts/app-image.sh --offline), then docker-compose.yml with
// test/support/compose.ci.yml on top (Debian's Redis, Redis on a loopback port, the data
// volume bound to a host folder). A run submitted from this host with `ouro submit` must finish
// in the composed worker, and its model answer on the published port with its key.
//
// Skipped, saying why, only where no Docker daemon answers (scripts/docker-setup.sh starts one
// when CI=true). Everything else missing fails: a CI that silently skipped this would have the
// issue this test was written for (an image that never built).

const COMPOSE_FILES = ['-f', 'docker-compose.yml', '-f', 'test/support/compose.ci.yml'];

function run(
  cmd: string,
  args: string[],
  opts: { env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {},
): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, {
    cwd: opts.cwd ?? REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...opts.env },
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
}

function dockerAnswers(): string | null {
  const res = run('docker', ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 20_000 });
  if (res.error !== undefined) return `the docker CLI is not installed (${res.error.message})`;
  if (res.status !== 0) return `no Docker daemon answers (${res.stderr.trim().split('\n').at(-1) ?? ''})`;
  return null;
}

const skipReason = dockerAnswers();
if (skipReason !== null)
  process.stdout.write(
    `# compose test skipped: ${skipReason}; run scripts/docker-setup.sh as root (CI does)\n`,
  );

/** A .env made the way docs/self-hosting.md says: the example, with a generated token. */
async function writeEnv(path: string, extra: Record<string, string>): Promise<void> {
  const token = run('openssl', ['rand', '-base64', '32']).stdout.trim();
  assert.ok(token.length >= 40, 'openssl rand -base64 32 gave no token');
  const example = await readFile(join(REPO_ROOT, '.env.example'), 'utf8');
  let env = example.replace(/^OURO_INTERNAL_TOKEN=.*$/m, `OURO_INTERNAL_TOKEN=${token}`);
  for (const [k, v] of Object.entries(extra)) env += `\n${k}=${v}`;
  await writeFile(path, env + '\n');
}

describe('docker compose (application image built offline)', { skip: skipReason ?? false }, () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let project: string;
  let projectDir: string;
  let home: string;
  let env: Record<string, string>;
  const compose = (args: string[], timeoutMs = 120_000) =>
    run('docker', ['compose', '-p', project, '--project-directory', projectDir, ...COMPOSE_FILES, ...args], {
      env,
      timeoutMs,
    });

  before(async () => {
    dir = await makeTempDir('compose');
    project = `ouro-ci-${randomBytes(4).toString('hex')}`;
    projectDir = join(dir.path, 'project');
    home = join(dir.path, 'home');
    await mkdir(projectDir, { recursive: true });
    await mkdir(home, { recursive: true });
    const apiPort = await freePort();
    env = {
      OURO_CI_HOME: home,
      OURO_CI_REDIS_PORT: String(await freePort()),
      OURO_PUBLISH_PORT: String(apiPort),
      OURO_IMAGE: process.env.OURO_IMAGE ?? 'ouro:local',
    };
    await writeEnv(join(projectDir, '.env'), { OURO_PUBLIC_URL: `http://127.0.0.1:${apiPort}` });
    const version = run('docker', ['compose', 'version']);
    assert.equal(
      version.status,
      0,
      `docker compose is not installed: scripts/docker-setup.sh installs the plugin (${version.stderr.trim()})`,
    );
  });

  after(async () => {
    if (project !== undefined) {
      const down = compose(['down', '-v', '--remove-orphans', '--timeout', '10'], 180_000);
      if (down.status !== 0) process.stderr.write(`docker compose down: ${down.stderr}\n`);
    }
    await dir?.cleanup();
  });

  test('docker compose config validates the default, chat and s3 profiles, and refuses a missing token', async () => {
    // The production file alone (upstream images), as a self-hoster runs it.
    const prod = (args: string[], extraEnv: Record<string, string> = {}) =>
      run('docker', ['compose', '--project-directory', projectDir, '-f', 'docker-compose.yml', ...args], {
        env: { ...env, ...extraEnv },
      });
    const plain = prod(['config', '--quiet']);
    assert.equal(plain.status, 0, plain.stderr);
    const chat = prod(['--profile', 'chat', 'config', '--services']);
    assert.equal(chat.status, 0, chat.stderr);
    assert.deepEqual(chat.stdout.trim().split('\n').sort(), ['bot', 'deploy', 'redis', 'worker']);
    const s3 = prod(['--profile', 's3', 'config', '--services'], {
      AWS_ACCESS_KEY_ID: 'ouro-admin',
      AWS_SECRET_ACCESS_KEY: randomBytes(24).toString('hex'),
    });
    assert.equal(s3.status, 0, s3.stderr);
    assert.deepEqual(s3.stdout.trim().split('\n').sort(), [
      'deploy',
      'minio',
      'minio-init',
      'redis',
      'worker',
    ]);
    // Every long-running service has a healthcheck (minio-init is a one-shot job).
    const full = prod(['--profile', 's3', '--profile', 'chat', 'config', '--format', 'json'], {
      AWS_ACCESS_KEY_ID: 'ouro-admin',
      AWS_SECRET_ACCESS_KEY: 'x'.repeat(40),
    });
    assert.equal(full.status, 0, full.stderr);
    const services = (
      JSON.parse(full.stdout) as {
        services: Record<string, { healthcheck?: { test?: string[] }; environment?: Record<string, string> }>;
      }
    ).services;
    for (const [name, svc] of Object.entries(services)) {
      if (name === 'minio-init') continue;
      assert.ok(
        svc.healthcheck?.test !== undefined && svc.healthcheck.test.length > 0,
        `${name} has no healthcheck`,
      );
    }
    for (const name of ['worker', 'deploy', 'bot'])
      assert.equal(
        services[name]?.environment?.OURO_SANDBOX_ISOLATION,
        'strict',
        `${name} must not take weak isolation from .env`,
      );
    // Without the token compose refuses to start deploy and bot (the :? guard).
    const noTokenDir = join(dir.path, 'no-token');
    await mkdir(noTokenDir);
    await writeFile(join(noTokenDir, '.env'), await readFile(join(REPO_ROOT, '.env.example'), 'utf8'));
    const refused = run(
      'docker',
      ['compose', '--project-directory', noTokenDir, '-f', 'docker-compose.yml', 'config', '--quiet'],
      { env: { ...env, OURO_INTERNAL_TOKEN: '' } },
    );
    assert.notEqual(refused.status, 0, 'compose accepted an empty OURO_INTERNAL_TOKEN');
    assert.match(refused.stderr, /OURO_INTERNAL_TOKEN/);
  });

  test('the image refuses to run the worker without the sandbox docs/self-hosting.md promises', () => {
    const built = run('bash', ['scripts/app-image.sh', '--offline'], { timeoutMs: 1_800_000 });
    assert.equal(
      built.status,
      0,
      `scripts/app-image.sh --offline failed:\n${built.stdout.slice(-2000)}\n${built.stderr.slice(-4000)}`,
    );
    // No security_opt/cap_add: Docker's default seccomp profile and capabilities leave bubblewrap
    // no namespaces, and strict isolation (the default) must refuse rather than run unconfined.
    const weak = run(
      'docker',
      ['run', '--rm', '--network', 'none', '-e', 'REDIS_URL=redis://127.0.0.1:1', env.OURO_IMAGE!, 'worker'],
      { timeoutMs: 120_000 },
    );
    assert.notEqual(weak.status, 0, `the worker started without namespaces:\n${weak.stderr}`);
    assert.match(weak.stderr, /Refusing to run generated code without isolation/);
  });

  test('worker, deploy and redis come up healthy; a run submitted with ouro submit ends in a model that answers with its key', async () => {
    const t0 = Date.now();
    const up = compose(['up', '-d', '--wait', '--wait-timeout', '240'], 300_000);
    if (up.status !== 0) {
      const logs = compose(['logs', '--no-color', '--tail', '60']);
      assert.fail(`docker compose up --wait failed:\n${up.stderr.slice(-3000)}\n${logs.stdout.slice(-6000)}`);
    }
    process.stdout.write(`# compose up --wait: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    const ps = compose(['ps', '--format', 'json']);
    assert.equal(ps.status, 0, ps.stderr);
    const states = ps.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .flatMap((l) => [JSON.parse(l)].flat() as { Service: string; Health: string }[]);
    assert.deepEqual(Object.fromEntries(states.map((s) => [s.Service, s.Health]).sort()), {
      deploy: 'healthy',
      redis: 'healthy',
      worker: 'healthy',
    });

    // The worker's start-up line names the isolation its runs get: bubblewrap namespaces.
    const workerLogs = compose(['logs', '--no-color', 'worker']);
    assert.match(
      workerLogs.stdout,
      /ouro worker: sandbox: process driver: bubblewrap [^\n]*no network/,
      workerLogs.stdout,
    );

    const file = await writeText(join(dir.path, 'data.csv'), binaryTable({ rows: 200 }));
    const redisUrl = `redis://127.0.0.1:${env.OURO_CI_REDIS_PORT}`;
    const t1 = Date.now();
    const out = await runCli(
      ['submit', file, 'predict churn', '--max-experiments', '2', '--follow', '--json'],
      { REDIS_URL: redisUrl, OURO_HOME: home, OURO_LOG_LEVEL: 'silent' },
    ).done;
    assert.equal(
      out.code,
      0,
      `ouro submit --follow: ${out.stderr}\n${compose(['logs', '--no-color', '--tail', '80', 'worker']).stdout}`,
    );
    process.stdout.write(`# run through compose: ${((Date.now() - t1) / 1000).toFixed(1)} s\n`);
    const events = parseEvents(out.stdout);
    assert.equal(events.at(-1)?.type, 'finished', events.map((e) => e.type).join(', '));
    const deployed = events.find((e) => e.type === 'deployed');
    assert.ok(deployed?.type === 'deployed', events.map((e) => e.type).join(', '));
    const runId = /queued run (\S+)/.exec(out.stderr)?.[1];
    assert.ok(runId, out.stderr);

    // The worker hands a new model's key to the bot through Redis (briefly); read it the same way.
    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    let key: string | null;
    try {
      key = await redis.get(redisKeys.freshKey(runId));
    } finally {
      redis.disconnect();
    }
    assert.ok(key, 'no key for the model in Redis');

    const api = `http://127.0.0.1:${env.OURO_PUBLISH_PORT}`;
    assert.ok(deployed.url.startsWith(api), `${deployed.url} is not on the published port ${api}`);
    const rows = [{ a: 1.2, b: -0.3, city: 'Paris' }];
    let res: Response | undefined;
    // The deploy service picks the new version up from the shared registry by itself.
    for (let i = 0; i < 120; i++) {
      res = await fetch(deployed.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(rows),
      });
      if (res.status !== 404 && res.status !== 503) break;
      await res.body?.cancel();
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(res);
    const body = (await res.json()) as { predictions?: unknown[] };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.predictions?.length, 1);
    assert.ok(['yes', 'no'].includes(String(body.predictions?.[0])), JSON.stringify(body));
    // Without the key the same request is refused.
    const anon = await fetch(deployed.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(rows),
    });
    assert.equal(anon.status, 401);
    await anon.body?.cancel();

    // docs/self-hosting.md's way to get a key afterwards: the image's CLI on the compose network.
    const rotated = compose(
      ['run', '--rm', '--no-deps', 'worker', 'models', 'key', 'rotate', deployed.name],
      180_000,
    );
    assert.equal(rotated.status, 0, rotated.stderr);
    const newKey = rotated.stdout.trim().split('\n').at(-1) ?? '';
    assert.ok(newKey.length >= 20 && newKey !== key, rotated.stdout);
    let status = 0;
    for (let i = 0; i < 20; i++) {
      const r = await fetch(deployed.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${newKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(rows),
      });
      status = r.status;
      await r.body?.cancel();
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(status, 200, 'the rotated key does not open the model');
  });
});
