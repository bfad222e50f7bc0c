/**
 * The docker driver against a real daemon and the real sandbox image: the shared hostile-script
 * suite (test/support/hostile-suite.ts), start(), and what only containers have (capabilities,
 * cgroup limits, read-only root, removal). Skipped, with the reason, when no daemon answers or
 * the image is not built (scripts/docker-setup.sh does both; CI runs it).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Docker from 'dockerode';
import { loadConfig } from '../../core/config.ts';
import { isOuroError } from '../../core/errors.ts';
import { HARNESS_DIR, createSandboxDriver, sandboxImage } from '../create-driver.ts';
import { DEFAULT_LIMITS } from '../driver.ts';
import { hostAfterwardsSuite } from '../../test/support/host-afterwards-suite.ts';
import { assertHealthy, hostileSuite, runDirs, runPy, startSuite } from '../../test/support/hostile-suite.ts';
import { createDockerDriver, type DockerSandboxDriver } from './docker-driver.ts';
import { probeDocker } from './probe.ts';
import { OWNER_ID, OWNER_LABEL } from './reaper.ts';

const IMAGE = sandboxImage(loadConfig());
const probe = probeDocker(IMAGE);

function skipReason(): string | null {
  if (probe.daemonError !== undefined) {
    return `no Docker daemon reachable (${probe.daemonError}); run scripts/docker-setup.sh as root, or set DOCKER_HOST`;
  }
  if (probe.image === undefined) {
    return `the sandbox image ${IMAGE} is not built (${probe.imageError}); run sandbox/image/build-image.sh --offline`;
  }
  return null;
}
const SKIP = skipReason();
if (SKIP !== null) console.log(`# docker driver tests skipped: ${SKIP}`);

let cached: DockerSandboxDriver | undefined;
const driver = (): DockerSandboxDriver =>
  (cached ??= createDockerDriver({ image: IMAGE, harnessDir: HARNESS_DIR, probe }));
const driverUrl = new URL('./docker-driver.ts', import.meta.url).href;

const target = {
  label: 'docker',
  skip: SKIP,
  driver,
  harnessDir: HARNESS_DIR,
  pythonPrefix: '/opt/venv',
  isSandboxUid: (uid: number) => uid === 65534,
  childDriverModule:
    `import { createDockerDriver } from ${JSON.stringify(driverUrl)};\n` +
    `export const driver = createDockerDriver({ image: ${JSON.stringify(IMAGE)}, harnessDir: ${JSON.stringify(HARNESS_DIR)} });\n`,
};
hostileSuite(target);
hostAfterwardsSuite(target);
startSuite(target);

/** Containers this test process created that still exist. */
async function leftovers(): Promise<string[]> {
  const list = await new Docker().listContainers({
    all: true,
    filters: JSON.stringify({ label: [`${OWNER_LABEL}=${OWNER_ID}`] }),
  });
  return list.map((c) => `${c.Id.slice(0, 12)} ${c.State}`);
}

describe('docker driver: container isolation', { skip: SKIP ?? false }, () => {
  test('describe() names the image and the isolation', () => {
    const text = driver().describe();
    assert.match(text, new RegExp(`image ${IMAGE.replace(/[.:]/g, '\\$&')}`));
    assert.match(text, /no network, read-only root, all capabilities dropped, no-new-privileges/);
  });

  test('no capabilities, no new privileges, cgroup and rlimit limits as asked', async () => {
    const d = await runDirs();
    const script = `
import json, os, resource
status = dict(l.split(":\\t", 1) for l in open("/proc/self/status").read().splitlines() if ":\\t" in l)
def read(*paths):
    for p in paths:
        try:
            return open(p).read().strip()
        except OSError:
            pass
    return None
print(json.dumps({
  "capeff": status["CapEff"].strip(), "capbnd": status["CapBnd"].strip(), "nnp": status["NoNewPrivs"].strip(),
  "mem": read("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"),
  "memsw": read("/sys/fs/cgroup/memory.swap.max", "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"),
  "pids": read("/sys/fs/cgroup/pids.max", "/sys/fs/cgroup/pids/pids.max"),
  "quota": read("/sys/fs/cgroup/cpu.max", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us"),
  "fsize": resource.getrlimit(resource.RLIMIT_FSIZE)[0], "nofile": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
  "core": resource.getrlimit(resource.RLIMIT_CORE)[0],
  "root_writable": os.access("/", os.W_OK), "mounts": open("/proc/mounts").read(),
}))
`;
    const r = await runPy(driver(), d, script, {
      limits: { memoryMb: 768, pids: 100, cpus: 1, fileSizeMb: 32 },
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, string | number | boolean | null>;
    assert.equal(out.capeff, '0000000000000000');
    assert.equal(out.capbnd, '0000000000000000');
    assert.equal(out.nnp, '1');
    assert.equal(Number(out.mem), 768 * 1024 * 1024);
    // cgroup v1 counts memory+swap together (equal: no swap); v2 counts swap alone (0).
    assert.ok(Number(out.memsw) === 768 * 1024 * 1024 || Number(out.memsw) === 0, String(out.memsw));
    assert.equal(out.pids, '100');
    assert.match(String(out.quota), /^100000( 100000)?$/);
    assert.equal(out.fsize, 32 * 1024 * 1024);
    assert.equal(out.nofile, 1024);
    assert.equal(out.core, 0);
    const rootLine = String(out.mounts)
      .split('\n')
      .find((l) => l.split(' ')[1] === '/');
    assert.match(rootLine ?? '', /\bro\b/, `the root is read-only: ${rootLine}`);
    assert.match(String(out.mounts), new RegExp(`${d.input} \\S+ ro`), 'the input is mounted read-only');
  });

  test("an OOM kill is the cgroup's, reported from the container state", async () => {
    const d = await runDirs();
    // numpy allocations are not MemoryError-checked page by page: only the cgroup stops them.
    const r = await runPy(
      driver(),
      d,
      'import numpy as np\na = [np.ones(64 * 1024 * 1024) for _ in range(8)]\nprint("survived")',
      { limits: { memoryMb: 512 } },
    );
    assert.equal(r.oomKilled, true, `${r.exitCode} ${r.signal} ${r.stderr}`);
    assert.equal(r.signal, 'SIGKILL');
    assert.ok(!r.stdout.includes('survived'));
    await assertHealthy(driver());
  });

  test('every container is removed: after success, failure, timeout, abort and a missing executable', async () => {
    const d = await runDirs();
    const drv = driver();
    await runPy(drv, d, 'pass');
    await runPy(drv, d, 'raise SystemExit(3)');
    await runPy(drv, d, 'import time; time.sleep(30)', { timeoutMs: 500 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 500);
    await runPy(drv, d, 'import time; time.sleep(30)', { signal: ac.signal });
    const missing = await drv.run({
      command: ['/no/such/binary'],
      cwd: d.exp,
      mounts: [{ path: d.exp, writable: true }],
      limits: DEFAULT_LIMITS,
      timeoutMs: 5000,
    });
    assert.notEqual(missing.exitCode, 0);
    assert.match(missing.stderr, /no\/such\/binary/);
    assert.deepEqual(await leftovers(), []);
  });
});

describe('createSandboxDriver with OURO_SANDBOX=docker', () => {
  test('gives the docker driver when the daemon has the image', { skip: SKIP ?? false }, () => {
    const drv = createSandboxDriver(loadConfig({ OURO_SANDBOX: 'docker' }));
    assert.equal(drv.name, 'docker');
  });

  test('no daemon: sandbox_unavailable, saying how to start one', () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    try {
      assert.throws(
        () => createSandboxDriver(loadConfig({ OURO_SANDBOX: 'docker' })),
        (err: unknown) =>
          isOuroError(err) &&
          err.code === 'sandbox_unavailable' &&
          /no Docker daemon answers at unix:\/\/\/nonexistent/.test(err.message) &&
          /OURO_SANDBOX=process/.test(err.message),
      );
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  test(
    'image not built: sandbox_unavailable, saying how to build it',
    { skip: probe.daemonError !== undefined ? 'no Docker daemon' : false },
    () => {
      assert.throws(
        () =>
          createSandboxDriver(
            loadConfig({ OURO_SANDBOX: 'docker', OURO_SANDBOX_IMAGE: 'ouro-sandbox:not-built-0000' }),
          ),
        (err: unknown) =>
          isOuroError(err) &&
          err.code === 'sandbox_unavailable' &&
          err.message.includes('ouro-sandbox:not-built-0000') &&
          err.message.includes('build-image.sh'),
      );
    },
  );
});
