/**
 * The process driver against real Python, real bubblewrap, real rlimits. The hostile-script
 * suite (docs/architecture.md, "The sandbox") is shared with the docker driver (test/support/hostile-suite.ts); what is
 * specific to this driver (describe(), the fallback without bubblewrap) is here.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_LIMITS } from '../driver.ts';
import { loadConfig } from '../../core/config.ts';
import { HARNESS_DIR, createSandboxDriver } from '../create-driver.ts';
import { hostAfterwardsSuite } from '../../test/support/host-afterwards-suite.ts';
import {
  ALLOWED_ENV_KEYS,
  ENV_SCRIPT,
  assertHealthy,
  hostileSuite,
  processesWith,
  runDirs,
  runPy,
  startSuite,
  token,
} from '../../test/support/hostile-suite.ts';
import { createProcessDriver } from './process-driver.ts';
import { NOBODY, SANDBOX_UID_FIRST, SANDBOX_UID_LAST } from './sandbox-uids.ts';

const PYTHON = loadConfig().OURO_PYTHON;
const ROOT = process.getuid?.() === 0;
const driver = createProcessDriver({ python: PYTHON, harnessDir: HARNESS_DIR, bwrap: 'require' });
const driverUrl = new URL('./process-driver.ts', import.meta.url).href;

function isLeasedUid(uid: number): boolean {
  return (uid >= SANDBOX_UID_FIRST && uid <= SANDBOX_UID_LAST) || uid === NOBODY;
}

const target = {
  label: 'process',
  skip: null,
  driver: () => driver,
  harnessDir: HARNESS_DIR,
  pythonPrefix: join(PYTHON, '..', '..'),
  isSandboxUid: isLeasedUid,
  childDriverModule:
    `import { createProcessDriver } from ${JSON.stringify(driverUrl)};\n` +
    `export const driver = createProcessDriver({ python: ${JSON.stringify(PYTHON)}, harnessDir: ${JSON.stringify(HARNESS_DIR)}, bwrap: 'require' });\n`,
};
hostileSuite(target);
hostAfterwardsSuite(target);
startSuite(target);

describe('process driver (bubblewrap)', () => {
  test('bubblewrap is in use and describe() names the network isolation', () => {
    assert.equal(driver.isolated, true, driver.describe());
    assert.match(driver.describe(), /bubblewrap .*no network/);
  });
});

describe('process driver: one uid per sandbox (as root)', () => {
  const UID_SCRIPT = 'import os, sys, time; print(os.getuid(), flush=True); time.sleep(float(sys.argv[1]))';

  test('concurrent sandboxes run as different uids from the pool', async (t) => {
    if (!ROOT) return t.skip('only root drops to the sandbox user');
    const runs = await Promise.all(
      [0, 1, 2].map(async () => runPy(driver, await runDirs(), UID_SCRIPT, { args: ['1'] })),
    );
    const uids = runs.map((r) => {
      assert.equal(r.exitCode, 0, r.stderr);
      return Number(r.stdout.trim());
    });
    for (const uid of uids)
      assert.ok(uid >= SANDBOX_UID_FIRST && uid <= SANDBOX_UID_LAST, `uid ${uid} is from the pool`);
    assert.equal(new Set(uids).size, 3, `three sandboxes, three uids: ${uids}`);
  });

  test("a fork bomb at its process limit does not starve a neighbour's process budget", async (t) => {
    if (!ROOT) return t.skip('only root drops to the sandbox user');
    const d = await runDirs();
    const bombToken = token();
    const bomb = runPy(
      driver,
      d,
      'import os, time\nwhile True:\n    try: os.fork()\n    except OSError: time.sleep(0.01)',
      {
        args: [bombToken],
        limits: { pids: 64 },
        timeoutMs: 6000,
      },
    );
    try {
      // Wait until the bomb holds its whole budget.
      const deadline = Date.now() + 5000;
      while (processesWith(bombToken).length < 60 && Date.now() < deadline) await sleep(50);
      assert.ok(
        processesWith(bombToken).length >= 60,
        `the bomb filled its budget (${processesWith(bombToken).length})`,
      );
      // A neighbour with threads (LightGBM and BLAS) must start and train as usual.
      const neighbour = await runPy(
        driver,
        await runDirs(),
        'import numpy as np, lightgbm\nX = np.random.rand(300, 4)\nlightgbm.LGBMRegressor(n_estimators=5, verbose=-1).fit(X, X[:, 0])\nprint("trained")',
        { limits: { pids: 64 } },
      );
      assert.equal(neighbour.exitCode, 0, neighbour.stderr);
      assert.equal(neighbour.stdout.trim(), 'trained');
    } finally {
      const r = await bomb;
      assert.equal(r.timedOut, true);
    }
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
    const r = await runPy(
      plain,
      d,
      ENV_SCRIPT +
        'import resource; print(resource.getrlimit(resource.RLIMIT_AS)[0], resource.getrlimit(resource.RLIMIT_NOFILE)[0])',
      { limits: { memoryMb: 2048 } },
    );
    assert.equal(r.exitCode, 0, r.stderr);
    const [json, rl] = r.stdout.trim().split('\n');
    const out = JSON.parse(json!) as { env: Record<string, string>; uid: number };
    assert.deepEqual(Object.keys(out.env).sort(), [...ALLOWED_ENV_KEYS].sort());
    if (ROOT) assert.ok(isLeasedUid(out.uid), `uid ${out.uid}`);
    assert.equal(rl, `${2048 * 1024 * 1024} 1024`);
    const slow = await runPy(plain, d, 'import time; time.sleep(60)', { timeoutMs: 800 });
    assert.equal(slow.timedOut, true);
    assert.ok(slow.durationMs < 800 + 3000);
    await assertHealthy(plain);
  });

  test('read-only input is still protected by permissions as root', async (t) => {
    if (!ROOT) return t.skip('only root drops to the sandbox user');
    const d = await runDirs();
    const r = await runPy(
      plain,
      d,
      'import sys\ntry:\n  open(sys.argv[1] + "/data.csv", "a").write("x"); print("wrote")\nexcept OSError as e: print(type(e).__name__)',
      { args: [d.input] },
    );
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

describe('isolation fails closed', () => {
  /** A bwrap that fails the way it does where namespaces are not allowed (a locked-down container). */
  async function brokenBwrap(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'ouro-bwrap-'));
    await chmod(dir, 0o755); // the probe runs it as the sandbox's uid
    const path = join(dir, 'bwrap');
    await writeFile(
      path,
      '#!/bin/sh\n[ "$1" = "--version" ] && { echo "bubblewrap 0.8.0"; exit 0; }\necho "bwrap: No permissions to create new namespace, likely because the kernel does not allow non-privileged user namespaces." >&2\nexit 1\n',
    );
    await chmod(path, 0o755);
    return path;
  }

  test('without namespaces the driver refuses to start, saying how to fix it or opt into weak isolation', async () => {
    const bwrapPath = await brokenBwrap();
    assert.throws(
      () => createProcessDriver({ python: PYTHON, harnessDir: HARNESS_DIR, bwrap: 'require', bwrapPath }),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'sandbox_unavailable');
        assert.match(err.message, /No permissions to create new namespace/);
        assert.match(err.message, /OURO_SANDBOX_ISOLATION=weak/);
        assert.match(err.message, /apt-get install bubblewrap/);
        return true;
      },
    );
    // The operator's explicit choice: it starts, and says it is not isolated.
    const weak = createProcessDriver({ python: PYTHON, harnessDir: HARNESS_DIR, bwrap: 'auto', bwrapPath });
    assert.equal(weak.isolated, false);
    assert.match(weak.describe(), /network isolation is off/);
  });

  test('OURO_SANDBOX_ISOLATION selects require (strict, the default) or auto (weak)', () => {
    assert.equal(loadConfig({}).OURO_SANDBOX_ISOLATION, 'strict');
    assert.equal(createSandboxDriver(loadConfig({})).isolated, true);
    assert.equal(createSandboxDriver(loadConfig({ OURO_SANDBOX_ISOLATION: 'weak' })).name, 'process');
    assert.throws(() => loadConfig({ OURO_SANDBOX_ISOLATION: 'none' }), /OURO_SANDBOX_ISOLATION/);
  });
});
