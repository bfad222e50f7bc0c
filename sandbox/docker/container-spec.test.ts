import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_LIMITS } from '../driver.ts';
import { containerOptions } from './container-spec.ts';

const plan = {
  image: 'ouro-sandbox:abc',
  argv: ['/opt/venv/bin/python', 'train.py'],
  cwd: '/runs/r1/exp/1',
  user: '65534:65534',
  env: { PATH: '/usr/bin:/bin', HOME: '/tmp' },
  mounts: [
    { source: '/runs/r1/workspace', target: '/runs/r1/workspace', writable: false },
    { source: '/runs/r1/exp/1', target: '/runs/r1/exp/1', writable: true },
  ],
  limits: { ...DEFAULT_LIMITS, memoryMb: 1024, pids: 64, cpus: 1.5, fileSizeMb: 8, tmpMb: 16 },
  labels: { 'ouro.sandbox': 'true' },
  interactive: false,
};

test('the isolation settings of every sandbox container', () => {
  const o = containerOptions(plan);
  const h = o.HostConfig!;
  assert.equal(o.Image, 'ouro-sandbox:abc');
  assert.deepEqual(o.Cmd, ['/opt/venv/bin/python', 'train.py']);
  assert.deepEqual(o.Entrypoint, []);
  assert.equal(o.User, '65534:65534');
  assert.equal(o.WorkingDir, '/runs/r1/exp/1');
  assert.deepEqual(o.Env, ['PATH=/usr/bin:/bin', 'HOME=/tmp']);
  assert.equal(o.NetworkDisabled, true);
  assert.equal(h.NetworkMode, 'none');
  assert.equal(h.ReadonlyRootfs, true);
  assert.deepEqual(h.CapDrop, ['ALL']);
  assert.equal(h.CapAdd, undefined);
  assert.deepEqual(h.SecurityOpt, ['no-new-privileges']);
  assert.equal(h.Privileged, false);
  assert.equal(h.Memory, 1024 * 1024 * 1024);
  assert.equal(h.MemorySwap, h.Memory, 'no swap on top of the memory limit');
  assert.equal(h.NanoCpus, 1.5e9);
  assert.equal(h.PidsLimit, 64);
  assert.deepEqual(h.Ulimits, [
    { Name: 'nofile', Soft: 1024, Hard: 1024 },
    { Name: 'fsize', Soft: 8 * 1024 * 1024, Hard: 8 * 1024 * 1024 },
    { Name: 'core', Soft: 0, Hard: 0 },
  ]);
  assert.match(h.Tmpfs!['/tmp']!, /size=16m/);
  assert.equal(h.ShmSize, 16 * 1024 * 1024);
  assert.deepEqual(
    h.Mounts!.map((m) => [m.Type, m.Source, m.Target, m.ReadOnly]),
    [
      ['bind', '/runs/r1/workspace', '/runs/r1/workspace', true],
      ['bind', '/runs/r1/exp/1', '/runs/r1/exp/1', false],
    ],
  );
  assert.equal(h.Binds, undefined, 'Mounts, not Binds: a missing source is an error, never created');
  assert.equal(h.LogConfig!.Type, 'none');
  assert.equal(h.AutoRemove, false, 'removed by the driver after reading the exit state');
  assert.equal(h.Init, true);
  assert.equal(o.OpenStdin, false);
  assert.equal(o.Tty, false);
});

test("the CPU quota is capped at the daemon host's CPUs", () => {
  assert.equal(
    containerOptions({ ...plan, limits: { ...plan.limits, cpus: 8 }, hostCpus: 2 }).HostConfig!.NanoCpus,
    2e9,
  );
  assert.equal(
    containerOptions({ ...plan, limits: { ...plan.limits, cpus: 1 }, hostCpus: 2 }).HostConfig!.NanoCpus,
    1e9,
  );
});

test('start() keeps stdin open, once', () => {
  const o = containerOptions({ ...plan, interactive: true });
  assert.equal(o.OpenStdin, true);
  assert.equal(o.StdinOnce, true);
  assert.equal(o.AttachStdin, true);
});
