import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_LIMITS } from '../driver.ts';
import { bwrapArgs, isWithin, prlimitArgs, setprivArgs, type BwrapPlan } from './bwrap-args.ts';

const plan: BwrapPlan = {
  bwrap: '/usr/bin/bwrap',
  supportsSize: true,
  disableUserns: true,
  tmpMb: 64,
  system: [
    { kind: 'bind', path: '/usr' },
    { kind: 'symlink', path: '/bin', target: 'usr/bin' },
  ],
  etc: ['/etc/passwd'],
  readOnly: ['/usr', '/opt/venv', '/opt/venv/lib', '/srv/ouro/sandbox/python'],
  mounts: [
    { path: '/data/run/exp1', writable: true },
    { path: '/data/run', writable: false },
  ],
  cwd: '/data/run/exp1',
};

/** Index of the option `flag` whose next argument(s) equal `values`. */
function indexOf(args: string[], flag: string, ...values: string[]): number {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag && values.every((v, j) => args[i + 1 + j] === v)) return i;
  }
  return -1;
}

test('bwrap: namespaces, parent death, new session, no network', () => {
  const a = bwrapArgs(plan);
  assert.equal(a[0], '/usr/bin/bwrap');
  for (const flag of ['--unshare-all', '--die-with-parent', '--new-session', '--disable-userns']) {
    assert.ok(a.includes(flag), flag);
  }
  assert.ok(!a.includes('--share-net'));
  assert.ok(indexOf(a, '--proc', '/proc') > 0);
  assert.ok(indexOf(a, '--dev', '/dev') > 0);
});

test('bwrap: never binds /, binds the allow-list read-only, skips paths already covered', () => {
  const a = bwrapArgs(plan);
  for (const flag of ['--bind', '--ro-bind', '--ro-bind-try', '--dev-bind'])
    assert.equal(indexOf(a, flag, '/', '/'), -1);
  assert.ok(indexOf(a, '--ro-bind', '/usr', '/usr') > 0);
  assert.ok(indexOf(a, '--symlink', 'usr/bin', '/bin') > 0);
  assert.ok(indexOf(a, '--ro-bind-try', '/etc/passwd', '/etc/passwd') > 0);
  assert.ok(indexOf(a, '--ro-bind', '/opt/venv', '/opt/venv') > 0);
  assert.equal(indexOf(a, '--ro-bind', '/opt/venv/lib', '/opt/venv/lib'), -1, 'covered by /opt/venv');
  assert.equal(a.filter((x) => x === '/usr').length, 2, '/usr bound once');
  assert.ok(indexOf(a, '--ro-bind', '/srv/ouro/sandbox/python', '/srv/ouro/sandbox/python') > 0);
});

test('bwrap: sized tmpfs for /tmp and /dev/shm when --size is supported, plain otherwise', () => {
  const a = bwrapArgs(plan);
  const bytes = String(64 * 1024 * 1024);
  assert.equal(indexOf(a, '--size', bytes, '--tmpfs', '/tmp') >= 0, true);
  assert.equal(indexOf(a, '--size', bytes, '--tmpfs', '/dev/shm') >= 0, true);
  const b = bwrapArgs({ ...plan, supportsSize: false });
  assert.ok(!b.includes('--size'));
  assert.ok(indexOf(b, '--tmpfs', '/tmp') > 0);
});

test('bwrap: mounts parent before child, writable only when asked, then everything else read-only', () => {
  const a = bwrapArgs(plan);
  const parent = indexOf(a, '--ro-bind', '/data/run', '/data/run');
  const child = indexOf(a, '--bind', '/data/run/exp1', '/data/run/exp1');
  assert.ok(parent > 0 && child > parent, `parent at ${parent}, child at ${child}`);
  const remountRoot = indexOf(a, '--remount-ro', '/');
  assert.ok(remountRoot > child);
  assert.ok(indexOf(a, '--remount-ro', '/dev') > indexOf(a, '--tmpfs', '/dev/shm'));
  assert.deepEqual(a.slice(-3), ['--chdir', '/data/run/exp1', '--']);
});

test('setpriv drops to 65534 with no groups and no new privileges', () => {
  assert.deepEqual(setprivArgs('/usr/bin/setpriv', { uid: 65534, gid: 65534 }), [
    '/usr/bin/setpriv',
    '--reuid=65534',
    '--regid=65534',
    '--clear-groups',
    '--no-new-privs',
    '--',
  ]);
  assert.deepEqual(setprivArgs('/usr/bin/setpriv', { pdeathsig: true }), [
    '/usr/bin/setpriv',
    '--no-new-privs',
    '--pdeathsig',
    'SIGKILL',
    '--',
  ]);
});

test('prlimit: memory and file size in bytes, processes, open files, no core dumps', () => {
  const a = prlimitArgs('/usr/bin/prlimit', { ...DEFAULT_LIMITS, memoryMb: 4096, fileSizeMb: 10 }, 77);
  assert.deepEqual(a, [
    '/usr/bin/prlimit',
    `--as=${4096 * 1024 * 1024}`,
    '--nproc=77',
    `--fsize=${10 * 1024 * 1024}`,
    '--nofile=1024',
    '--core=0',
    '--',
  ]);
});

test('isWithin compares whole path components', () => {
  assert.equal(isWithin('/a/b', '/a'), true);
  assert.equal(isWithin('/a', '/a'), true);
  assert.equal(isWithin('/ab', '/a'), false);
  assert.equal(isWithin('/x', '/'), true);
});
