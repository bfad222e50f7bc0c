/**
 * The process driver against real Python, real bubblewrap, real rlimits. The hostile-script
 * suite of DESIGN.md §5 is shared with the docker driver (test/support/hostile-suite.ts); what is
 * specific to this driver (describe(), the fallback without bubblewrap) is here.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_LIMITS } from '../driver.ts';
import { loadConfig } from '../../core/config.ts';
import { HARNESS_DIR, createSandboxDriver } from '../create-driver.ts';
import { ALLOWED_ENV_KEYS, ENV_SCRIPT, assertHealthy, hostileSuite, processesWith, runDirs, runPy, startSuite, token } from '../../test/support/hostile-suite.ts';
import { createProcessDriver } from './process-driver.ts';

const PYTHON = loadConfig().OURO_PYTHON;
const ROOT = process.getuid?.() === 0;
const driver = createProcessDriver({ python: PYTHON, harnessDir: HARNESS_DIR, bwrap: 'require' });
const driverUrl = new URL('./process-driver.ts', import.meta.url).href;

const target = {
  label: 'process',
  skip: null,
  driver: () => driver,
  harnessDir: HARNESS_DIR,
  pythonPrefix: join(PYTHON, '..', '..'),
  childDriverModule:
    `import { createProcessDriver } from ${JSON.stringify(driverUrl)};\n` +
    `export const driver = createProcessDriver({ python: ${JSON.stringify(PYTHON)}, harnessDir: ${JSON.stringify(HARNESS_DIR)}, bwrap: 'require' });\n`,
};
hostileSuite(target);
startSuite(target);

describe('process driver (bubblewrap)', () => {
  test('bubblewrap is in use and describe() names the network isolation', () => {
    assert.equal(driver.isolated, true, driver.describe());
    assert.match(driver.describe(), /bubblewrap .*no network/);
  });
});

describe('process driver without bubblewrap (fallback)', () => {
  const plain = createProcessDriver({ python: PYTHON, harnessDir: HARNESS_DIR, bwrap: 'off' });

  test('describe() says network isolation is off', () => {
    assert.equal(plain.isolated, false);
    assert.match(plain.describe(), /network isolation is off/);
    assert.match(plain.describe(), /install bubblewrap/);
  });

  test('environment allow-list, unprivileged user, rlimits and timeout still hold', async () => {
    const d = await runDirs();
    const r = await runPy(plain, d, ENV_SCRIPT + 'import resource; print(resource.getrlimit(resource.RLIMIT_AS)[0], resource.getrlimit(resource.RLIMIT_NOFILE)[0])', { limits: { memoryMb: 2048 } });
    assert.equal(r.exitCode, 0, r.stderr);
    const [json, rl] = r.stdout.trim().split('\n');
    const out = JSON.parse(json!) as { env: Record<string, string>; uid: number };
    assert.deepEqual(Object.keys(out.env).sort(), [...ALLOWED_ENV_KEYS].sort());
    if (ROOT) assert.equal(out.uid, 65534);
    assert.equal(rl, `${2048 * 1024 * 1024} 1024`);
    const slow = await runPy(plain, d, 'import time; time.sleep(60)', { timeoutMs: 800 });
    assert.equal(slow.timedOut, true);
    assert.ok(slow.durationMs < 800 + 3000);
    await assertHealthy(plain);
  });

  test('read-only input is still protected by permissions as root', async (t) => {
    if (!ROOT) return t.skip('only root drops to uid 65534');
    const d = await runDirs();
    const r = await runPy(plain, d, 'import sys\ntry:\n  open(sys.argv[1] + "/data.csv", "a").write("x"); print("wrote")\nexcept OSError as e: print(type(e).__name__)', { args: [d.input] });
    assert.equal(r.stdout.trim(), 'PermissionError');
  });

  test('the sandbox dies with its host process (no pid namespace: PR_SET_PDEATHSIG)', async () => {
    const d = await runDirs();
    const t = token();
    const host = join(d.root, 'host.mts');
    await writeFile(
      host,
      `import { createProcessDriver } from ${JSON.stringify(driverUrl)};\n` +
        `const d = createProcessDriver({ python: ${JSON.stringify(PYTHON)}, harnessDir: ${JSON.stringify(HARNESS_DIR)}, bwrap: 'off' });\n` +
        `await d.run({ command: ['python', '-c', 'import time; time.sleep(60)', ${JSON.stringify(t)}], cwd: ${JSON.stringify(d.exp)}, ` +
        `mounts: [{ path: ${JSON.stringify(d.exp)}, writable: true }], limits: ${JSON.stringify(DEFAULT_LIMITS)}, timeoutMs: 60000 });\n`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', host], { cwd: process.cwd(), stdio: 'ignore' });
    try {
      const deadline = Date.now() + 10_000;
      while (processesWith(t).length === 0 && Date.now() < deadline) await sleep(50);
      assert.ok(processesWith(t).length > 0, 'the sandbox started');
    } finally {
      child.kill('SIGKILL');
    }
    await sleep(500);
    assert.deepEqual(processesWith(t), []);
  });
});

describe('createSandboxDriver', () => {
  test('OURO_SANDBOX=process (the default) gives the process driver', () => {
    assert.equal(createSandboxDriver(loadConfig({})).name, 'process');
  });
});
