/**
 * start(): a long-running sandboxed process over stdin/stdout (the prediction workers), with
 * the same isolation as run().
 */
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { once } from 'node:events';
import { loadConfig } from '../../core/config.ts';
import { HARNESS_DIR } from '../create-driver.ts';
import { DEFAULT_LIMITS } from '../driver.ts';
import { createProcessDriver } from './process-driver.ts';

const driver = createProcessDriver({ python: loadConfig({}).OURO_PYTHON, harnessDir: HARNESS_DIR, bwrap: 'require' });

async function dir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'ouro-start-'));
  await chmod(d, 0o755);
  return d;
}

const ECHO = [
  'import json, os, socket, sys',
  'for line in sys.stdin:',
  '    req = json.loads(line)',
  '    try:',
  '        socket.create_connection(("1.1.1.1", 53), timeout=1); net = True',
  '    except OSError:',
  '        net = False',
  '    print(json.dumps({"echo": req, "uid": os.getuid(), "net": net, "secret": os.environ.get("OURO_TEST_SECRET")}), flush=True)',
].join('\n');

test('answers line by line, isolated, until stdin closes', async () => {
  process.env.OURO_TEST_SECRET = 's3cr3t';
  const cwd = await dir();
  const proc = await driver.start({ command: ['python', '-c', ECHO], cwd, mounts: [{ path: cwd }], limits: DEFAULT_LIMITS });
  const lines = createInterface({ input: proc.stdout });
  const next = async () => JSON.parse(((await once(lines, 'line')) as [string])[0]) as { echo: unknown; uid: number; net: boolean; secret: string | null };
  proc.stdin.write('{"n": 1}\n');
  const a = await next();
  assert.deepEqual(a.echo, { n: 1 });
  assert.equal(a.net, false);
  assert.equal(a.secret, null);
  if (process.getuid?.() === 0) assert.equal(a.uid, 65534);
  proc.stdin.write('{"n": 2}\n');
  assert.deepEqual((await next()).echo, { n: 2 });
  proc.stdin.end();
  const exit = await proc.exited;
  assert.equal(exit.exitCode, 0);
  assert.equal(exit.oomKilled, false);
});

test('kill() ends the whole process tree', async () => {
  const cwd = await dir();
  const proc = await driver.start({ command: ['python', '-c', 'import subprocess, time; subprocess.Popen(["sleep", "60"]); time.sleep(60)'], cwd, mounts: [{ path: cwd }], limits: DEFAULT_LIMITS });
  await new Promise((res) => setTimeout(res, 300));
  const started = Date.now();
  proc.kill();
  const exit = await proc.exited;
  assert.ok(Date.now() - started < 3000);
  assert.equal(exit.exitCode === 0, false);
  assert.equal(exit.oomKilled, false);
});

test('stderr is kept (capped) and a crash is reported', async () => {
  const cwd = await dir();
  const proc = await driver.start({ command: ['python', '-c', 'import sys; sys.stderr.write("boom\\n"); sys.exit(3)'], cwd, mounts: [{ path: cwd }], limits: DEFAULT_LIMITS });
  const exit = await proc.exited;
  assert.equal(exit.exitCode, 3);
  assert.match(exit.stderr, /boom/);
});
