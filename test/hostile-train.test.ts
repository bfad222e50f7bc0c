import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runPaths } from '../core/run-paths.ts';
import { createSandboxDriver } from '../sandbox/create-driver.ts';
import { limitsFromConfig } from '../cli/run-command.ts';
import { classifyCrash } from '../worker/diagnosis/classify-crash.ts';
import { runExperiment } from '../worker/loop/run-experiment.ts';
import { binaryTable, writeText } from './support/fixtures.ts';
import { runInProcess, type InProcessRun } from './support/run-in-process.ts';
import { makeTempDir } from './support/temp-dir.ts';

/**
 * A generated train.py is code from a model run on data from strangers. Inside a real run
 * folder (with its vault and holdout), hostile scripts must fail at what they try.
 */

describe('hostile train.py inside a real run', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let run: InProcessRun;
  let server: Server;
  let port = 0;
  let connections = 0;
  const SECRET = 'sk-live-do-not-leak-1234';

  before(async () => {
    process.env.OURO_TEST_SECRET = SECRET;
    dir = await makeTempDir('hostile');
    const file = await writeText(join(dir.path, 'data.csv'), binaryTable({ rows: 200 }));
    run = await runInProcess({
      home: join(dir.path, 'home'),
      file,
      goal: 'predict churn',
      options: { maxExperiments: 1 },
    });
    server = createServer((s) => {
      connections += 1;
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  after(async () => {
    delete process.env.OURO_TEST_SECRET;
    server.close();
    await dir.cleanup();
  });

  async function hostile(name: string, script: string, timeoutMs = 30_000) {
    const paths = runPaths(run.config.OURO_HOME, run.runId);
    return runExperiment({
      driver: createSandboxDriver(run.config),
      limits: limitsFromConfig(run.config),
      dir: join(paths.experiments, name),
      script,
      workspace: paths.workspace,
      timeoutMs,
    });
  }

  test('cannot read the vault labels or the holdout', async () => {
    const paths = runPaths(run.config.OURO_HOME, run.runId);
    const labels = await readFile(paths.labels, 'utf8');
    assert.match(labels, /"labels"/);
    const r = await hostile(
      'steal',
      `
import glob, os
found = []
for p in [${JSON.stringify(paths.labels)}, ${JSON.stringify(paths.holdoutFeatures)}] + glob.glob(${JSON.stringify(paths.root)} + '/**/*', recursive=True):
    try:
        with open(p, 'rb') as f:
            data = f.read()
        if '/vault/' in p or '/holdout/' in p:
            found.append(p)
    except Exception as e:
        pass
print('FOUND', found)
`,
    );
    assert.equal(r.result.exitCode, 0, r.result.stderr);
    assert.match(r.result.stdout, /FOUND \[\]/);
  });

  test('cannot open a network connection, even to the host loopback', async () => {
    const r = await hostile(
      'net',
      `
import socket
for target in [('127.0.0.1', ${port}), ('1.1.1.1', 53)]:
    try:
        socket.create_connection(target, timeout=2)
        print('CONNECTED', target)
    except OSError as e:
        print('blocked', target, type(e).__name__)
try:
    socket.getaddrinfo('example.com', 443)
    print('RESOLVED')
except OSError:
    print('no dns')
`,
    );
    assert.doesNotMatch(r.result.stdout, /CONNECTED|RESOLVED/);
    assert.match(r.result.stdout, /no dns/);
    assert.equal(connections, 0);
  });

  test("cannot read the parent's environment or its secrets", async () => {
    const r = await hostile(
      'env',
      `
import os
seen = repr(dict(os.environ))
for pid in ['1', str(os.getppid()), 'self']:
    try:
        seen += open(f'/proc/{pid}/environ', 'rb').read().decode('latin-1')
    except Exception as e:
        seen += f' [{pid}: {type(e).__name__}]'
print(seen)
`,
    );
    assert.equal(r.result.exitCode, 0, r.result.stderr);
    assert.ok(!r.result.stdout.includes(SECRET), 'the secret leaked into the sandbox');
    assert.ok(!r.result.stdout.includes('OURO_HOME'), 'the host environment leaked into the sandbox');
  });

  test('cannot outlive its timeout, nor leave a child behind', async () => {
    const paths = runPaths(run.config.OURO_HOME, run.runId);
    const beat = join(paths.experiments, 'linger', 'heartbeat.txt');
    const started = Date.now();
    const r = await hostile(
      'linger',
      `
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        while True:
            with open(${JSON.stringify(beat)}, 'a') as f:
                f.write('.')
            time.sleep(0.1)
time.sleep(600)
`,
      3_000,
    );
    assert.ok(r.result.timedOut);
    assert.ok(Date.now() - started < 10_000, 'killed promptly');
    assert.equal(classifyCrash(r.evidence).class, 'timeout');
    const size = (await readFile(beat, 'utf8').catch(() => '')).length;
    await new Promise((res) => setTimeout(res, 600));
    const later = (await readFile(beat, 'utf8').catch(() => '')).length;
    assert.equal(later, size, 'a child process kept running after the experiment ended');
  });
});
