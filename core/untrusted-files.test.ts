import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { link, mkdir, mkdtemp, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import {
  checkUntrustedFile,
  copyUntrustedTree,
  freshHostDir,
  readUntrusted,
  readUntrustedJson,
  UntrustedFileError,
  writeHostFile,
} from './untrusted-files.ts';

async function scene(): Promise<{ root: string; host: string; secret: string }> {
  const base = await mkdtemp(join(tmpdir(), 'ouro-trust-'));
  const root = join(base, 'sandbox-folder');
  const host = join(base, 'host');
  await mkdir(root);
  await mkdir(host);
  const secret = join(host, 'key.json');
  await writeFile(secret, '{"secret":"OURO_CANARY_d41d8cd98f00b204"}');
  return { root, host, secret };
}

function refused(reason: UntrustedFileError['reason']): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof UntrustedFileError, `expected an UntrustedFileError, got ${String(err)}`);
    assert.equal(err.reason, reason);
    assert.doesNotMatch(err.message, /OURO_CANARY/);
    return true;
  };
}

test('a plain file is read; a symlink to a host file is refused without reading it', async () => {
  const { root, secret } = await scene();
  await writeFile(join(root, 'metrics.json'), '{"mean":0.5}');
  assert.deepEqual(
    await readUntrustedJson(join(root, 'metrics.json'), z.object({ mean: z.number() }), { root }),
    { mean: 0.5 },
  );
  await symlink(secret, join(root, 'stolen.json'));
  await assert.rejects(readUntrusted(join(root, 'stolen.json'), { root }), refused('symlink'));
  await symlink('/proc/self/environ', join(root, 'environ.json'));
  await assert.rejects(
    readUntrustedJson(join(root, 'environ.json'), z.unknown(), { root }),
    refused('symlink'),
  );
});

test('a symlinked folder on the way is refused', async () => {
  const { root, host } = await scene();
  await symlink(host, join(root, 'model'));
  await assert.rejects(readUntrusted(join(root, 'model', 'key.json'), { root }), refused('symlink'));
  assert.ok(
    (await checkUntrustedFile(join(root, 'model', 'key.json'), { root })) instanceof UntrustedFileError,
  );
});

test('hard links, FIFOs and oversize files are refused; a FIFO does not hang the host', async () => {
  const { root, secret } = await scene();
  await link(secret, join(root, 'linked.json'));
  await assert.rejects(readUntrusted(join(root, 'linked.json'), { root }), refused('hardlink'));
  execFileSync('mkfifo', [join(root, 'pipe.json')]);
  await assert.rejects(readUntrusted(join(root, 'pipe.json'), { root }), refused('not_regular'));
  await writeFile(join(root, 'big.json'), Buffer.alloc(2048, 32));
  await assert.rejects(readUntrusted(join(root, 'big.json'), { root, maxBytes: 1024 }), refused('too_large'));
  assert.equal(await checkUntrustedFile(join(root, 'absent.json'), { root }), 'missing');
});

test('JSON that is not JSON is refused without quoting its content', async () => {
  const { root } = await scene();
  await writeFile(join(root, 'metrics.json'), 'OURO_CANARY_d41d8cd98f00b204=1\nPATH=/bin');
  await assert.rejects(
    readUntrustedJson(join(root, 'metrics.json'), z.unknown(), { root }),
    refused('invalid'),
  );
});

test('paths outside the root are refused', async () => {
  const { root, secret } = await scene();
  await assert.rejects(readUntrusted(secret, { root }), refused('outside'));
  await assert.rejects(readUntrusted(join(root, '..', 'host', 'key.json'), { root }), refused('outside'));
});

test('writeHostFile replaces a planted symlink instead of writing through it', async () => {
  const { root, secret } = await scene();
  const before = await readFile(secret, 'utf8');
  await symlink(secret, join(root, 'stdout.txt'));
  await writeHostFile(join(root, 'stdout.txt'), 'captured output', { root });
  assert.equal(await readFile(secret, 'utf8'), before);
  assert.equal(await readFile(join(root, 'stdout.txt'), 'utf8'), 'captured output');
  // A folder planted as a link on the way is refused, not followed.
  const { root: r2, host } = await scene();
  await symlink(host, join(r2, 'chart'));
  await assert.rejects(
    writeHostFile(join(r2, 'chart', 'actuals.json'), 'x', { root: r2 }),
    UntrustedFileError,
  );
  assert.deepEqual((await readdir(host)).sort(), ['key.json']);
  // freshHostDir removes the link (not its target) and makes a real folder.
  await freshHostDir(join(r2, 'chart'), { root: r2 });
  await writeHostFile(join(r2, 'chart', 'actuals.json'), 'x', { root: r2 });
  assert.deepEqual((await readdir(host)).sort(), ['key.json']);
});

test('copyUntrustedTree copies folders and plain files, and names the first link it meets', async () => {
  const { root, host, secret } = await scene();
  await mkdir(join(root, 'model', 'sub'), { recursive: true });
  await writeFile(join(root, 'model', 'model.joblib'), Buffer.alloc(100_000, 7));
  await writeFile(join(root, 'model', 'sub', 'signature.json'), '{}');
  const dest = join(host, 'copy');
  assert.deepEqual(await copyUntrustedTree(join(root, 'model'), dest, { root }), {
    files: 2,
    bytes: 100_002,
  });
  assert.equal((await readFile(join(dest, 'model.joblib'))).length, 100_000);

  await symlink(secret, join(root, 'model', 'sub', 'chart.png'));
  await assert.rejects(
    copyUntrustedTree(join(root, 'model'), join(host, 'copy2'), { root }),
    (err: unknown) => {
      assert.ok(err instanceof UntrustedFileError);
      assert.match(err.message, /model\/sub\/chart\.png/);
      return true;
    },
  );
  // The model folder itself as a link is refused too.
  const { root: r2 } = await scene();
  await symlink(host, join(r2, 'model'));
  await assert.rejects(
    copyUntrustedTree(join(r2, 'model'), join(host, 'copy3'), { root: r2 }),
    refused('symlink'),
  );
});
