import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ancestors, findExecutable, pythonRoots, unreachableReason } from './host.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'ouro-host-'));
  await chmod(d, 0o755);
  dirs.push(d);
  return d;
}

test('ancestors lists every parent, outermost first', () => {
  assert.deepEqual(ancestors('/a/b/c'), ['/', '/a', '/a/b']);
  assert.deepEqual(ancestors('/a'), ['/']);
});

test('a 0700 ancestor makes a path unreachable for another user, with the chmod that fixes it', async () => {
  const root = await tempDir();
  const priv = join(root, 'private');
  await mkdir(join(priv, 'exp'), { recursive: true });
  await chmod(priv, 0o700);
  const reason = unreachableReason(join(priv, 'exp'), 'read', 65534, 65534, 'writable folder');
  assert.ok(reason !== null);
  assert.match(reason, new RegExp(`chmod o\\+x ${priv}`));
  await chmod(priv, 0o711);
  assert.equal(unreachableReason(join(priv, 'exp'), 'read', 65534, 65534, 'writable folder'), null);
});

test('an unreadable file is reported with chmod o+r', async () => {
  const root = await tempDir();
  const file = join(root, 'data.csv');
  await writeFile(file, 'a,b\n', { mode: 0o600 });
  assert.match(unreachableReason(file, 'read', 65534, 65534, 'mounted path') ?? '', /chmod o\+r /);
  assert.equal(unreachableReason(file, 'search', 65534, 65534, 'mounted path'), null);
  await chmod(file, 0o644);
  assert.equal(unreachableReason(file, 'read', 65534, 65534, 'mounted path'), null);
});

test('a path under /root gets the OURO_HOME hint', () => {
  const reason = unreachableReason('/root', 'read', 65534, 65534, 'x');
  // /root is 0700 on Debian; if this host opened it up, there is nothing to hint.
  if (reason !== null) assert.match(reason, /OURO_HOME/);
});

test('a missing path is reported as missing', () => {
  assert.match(
    unreachableReason('/nonexistent/ouro', 'read', 65534, 65534, 'mounted path') ?? '',
    /does not exist/,
  );
});

test('pythonRoots finds the venv and the real interpreter prefix', () => {
  const python = join(process.cwd(), '.venv', 'bin', 'python');
  const roots = pythonRoots(python);
  assert.ok(roots.includes(join(process.cwd(), '.venv')), roots.join(','));
  assert.ok(roots.includes('/usr'), roots.join(','));
});

test('findExecutable finds util-linux tools by absolute path', () => {
  assert.match(findExecutable('prlimit') ?? '', /^\/.*\/prlimit$/);
  assert.equal(findExecutable('definitely-not-a-tool-ouro'), null);
});
