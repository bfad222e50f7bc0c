import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OuroError } from '../errors.ts';
import { startTestS3, type TestS3Server } from '../../test/support/s3-server.ts';
import { makeTempDir } from '../../test/support/temp-dir.ts';
import { FsArtifactStore, storeKey, type ArtifactStore } from './artifact-store.ts';
import { loadConfig } from '../config.ts';
import { createArtifactStore } from './create-store.ts';
import { S3ArtifactStore } from './s3-artifact-store.ts';
import { claimStoreVersion, movePointerForward, readStorePointer } from './store-registry.ts';

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The contract every adapter keeps; each adapter runs it against its real backend. */
function contract(
  name: string,
  setup: () => Promise<{ store: ArtifactStore; scratch: string; done: () => Promise<void> }>,
): void {
  describe(`artifact store contract: ${name}`, () => {
    let store: ArtifactStore;
    let scratch: string;
    let done: () => Promise<void>;
    before(async () => ({ store, scratch, done } = await setup()));
    after(async () => done());

    test('a file goes in and comes out byte for byte; exists tells', async () => {
      const src = join(scratch, 'in.bin');
      const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256));
      await writeFile(src, bytes);
      assert.equal(await store.exists('uploads/r1/in.bin'), false);
      await store.putFile('uploads/r1/in.bin', src);
      assert.equal(await store.exists('uploads/r1/in.bin'), true);
      const out = join(scratch, 'deep', 'out.bin');
      await store.getFile('uploads/r1/in.bin', out);
      assert.deepEqual(await readFile(out), bytes);
    });

    test('small documents: missing is null, written is read back, create-only writes once', async () => {
      assert.equal(await store.getBytes('registry/m/current.json'), null);
      assert.equal(await store.putBytes('registry/m/current.json', '{"version":1}'), true);
      assert.equal((await store.getBytes('registry/m/current.json'))?.toString(), '{"version":1}');
      assert.equal(
        await store.putBytes('registry/m/current.json', '{"version":2}'),
        true,
        'a plain write replaces',
      );
      assert.equal((await store.getBytes('registry/m/current.json'))?.toString(), '{"version":2}');
      assert.equal(await store.putBytes('registry/m/versions/1/claim.json', 'a', { ifAbsent: true }), true);
      assert.equal(await store.putBytes('registry/m/versions/1/claim.json', 'b', { ifAbsent: true }), false);
      assert.equal((await store.getBytes('registry/m/versions/1/claim.json'))?.toString(), 'a');
    });

    test('compare-and-swap: a write with a stale tag is refused', async () => {
      assert.equal(await store.getTagged('registry/cas/current.json'), null);
      await store.putBytes('registry/cas/current.json', 'v1');
      const first = (await store.getTagged('registry/cas/current.json'))!;
      assert.equal(first.data.toString(), 'v1');
      assert.equal(await store.putBytes('registry/cas/current.json', 'v2', { ifTag: first.tag }), true);
      assert.equal(
        await store.putBytes('registry/cas/current.json', 'v3', { ifTag: first.tag }),
        false,
        'the tag changed with v2',
      );
      const second = (await store.getTagged('registry/cas/current.json'))!;
      assert.equal(second.data.toString(), 'v2');
      assert.notEqual(second.tag, first.tag);
    });

    test('of eight concurrent create-only writers exactly one wins', async () => {
      const wins = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.putBytes('registry/race/versions/1/claim.json', `w${i}`, { ifAbsent: true }),
        ),
      );
      assert.equal(wins.filter(Boolean).length, 1, JSON.stringify(wins));
    });

    test('list, children and deletePrefix see folders the same way', async () => {
      for (const k of [
        'runs/a/journal.json',
        'runs/a/experiments/n1/train.py',
        'runs/a/experiments/n2/train.py',
        'runs/ab/journal.json',
      ])
        await store.putBytes(k, k);
      assert.deepEqual(await store.list('runs/a/'), [
        'runs/a/experiments/n1/train.py',
        'runs/a/experiments/n2/train.py',
        'runs/a/journal.json',
      ]);
      assert.deepEqual(await store.children('runs/a/'), ['experiments/', 'journal.json']);
      assert.deepEqual(await store.children('runs/'), ['a/', 'ab/']);
      assert.deepEqual(await store.list('runs/nothing/'), []);
      await store.deletePrefix('runs/a/');
      assert.deepEqual(await store.list('runs/a/'), []);
      assert.deepEqual(
        await store.list('runs/ab/'),
        ['runs/ab/journal.json'],
        'a sibling with a longer name survives',
      );
    });

    test('keys cannot escape the store', async () => {
      assert.throws(() => storeKey('runs', '..', 'x'), OuroError);
      await assert.rejects(store.putBytes('../outside.json', 'x'), OuroError);
    });
  });
}

contract('fs', async () => {
  const dir = await makeTempDir('store-fs');
  return { store: new FsArtifactStore(join(dir.path, 'home')), scratch: dir.path, done: dir.cleanup };
});

let s3: TestS3Server;
contract('s3 (moto)', async () => {
  const dir = await makeTempDir('store-s3');
  s3 = await startTestS3();
  // A prefix, as deployments sharing a bucket use; the contract holds inside it.
  return {
    store: s3.store('team-a'),
    scratch: dir.path,
    done: async () => {
      await s3.stop();
      await dir.cleanup();
    },
  };
});

describe('the S3 adapter against a real server', () => {
  let server: TestS3Server;
  let dir: { path: string; cleanup: () => Promise<void> };
  before(async () => {
    server = await startTestS3('ouro-edge');
    dir = await makeTempDir('store-s3-edge');
  });
  after(async () => {
    await server.stop();
    await dir.cleanup();
  });

  test('a missing bucket is reported with the variable to fix', async () => {
    const store = new S3ArtifactStore({
      bucket: 'no-such-bucket',
      endpoint: server.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'k', secretAccessKey: 's' },
    });
    await assert.rejects(
      store.checkBucket(),
      (err: unknown) =>
        err instanceof OuroError &&
        err.code === 'config_invalid' &&
        /OURO_S3_BUCKET/.test(err.message) &&
        /no-such-bucket/.test(err.message),
    );
    await assert.rejects(store.putBytes('x.json', '{}'), /OURO_S3_BUCKET/);
  });

  test('an unreachable endpoint is reported with OURO_S3_ENDPOINT', async () => {
    const store = new S3ArtifactStore({
      bucket: 'ouro-edge',
      endpoint: 'http://127.0.0.1:1',
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'k', secretAccessKey: 's' },
    });
    await assert.rejects(store.checkBucket(), /OURO_S3_ENDPOINT/);
  });

  test('OURO_STORE=s3 without a bucket is a configuration error naming OURO_S3_BUCKET', () => {
    assert.throws(
      () => loadConfig({ OURO_STORE: 's3' }),
      (err: unknown) =>
        err instanceof OuroError && /OURO_S3_BUCKET: required when OURO_STORE=s3/.test(err.message),
    );
    const config = loadConfig({
      OURO_STORE: 's3',
      OURO_S3_BUCKET: 'ouro',
      OURO_S3_ENDPOINT: server.endpoint,
    });
    assert.equal(config.OURO_S3_FORCE_PATH_STYLE, undefined, 'path style then follows the endpoint');
    assert.equal(loadConfig({}).OURO_STORE, 'fs', 'the filesystem stays the default');
  });

  test('createArtifactStore checks the bucket before anything runs', async () => {
    const env = { ...server.env, OURO_S3_BUCKET: 'missing-bucket' };
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = server.env.AWS_ACCESS_KEY_ID;
    process.env.AWS_SECRET_ACCESS_KEY = server.env.AWS_SECRET_ACCESS_KEY;
    try {
      await assert.rejects(
        createArtifactStore(loadConfig(env)),
        /"missing-bucket" does not exist .*OURO_S3_BUCKET/,
      );
      const store = await createArtifactStore(loadConfig(server.env));
      assert.equal(store.kind, 's3');
    } finally {
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      else process.env.AWS_ACCESS_KEY_ID = saved.id;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    }
  });

  test('concurrent publishers on the bucket: distinct version numbers, and the pointer ends on the latest', async () => {
    const store = server.store('race');
    const versions = await Promise.all(Array.from({ length: 8 }, () => claimStoreVersion(store, 'm')));
    assert.deepEqual(
      [...versions].sort((a, b) => a - b),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
    // Every publisher moves the pointer at once, in a shuffled order.
    await Promise.all([5, 2, 8, 1, 7, 3, 6, 4].map((v) => movePointerForward(store, 'm', v)));
    assert.equal(await readStorePointer(store, 'm'), 8);
    await movePointerForward(store, 'm', 3);
    assert.equal(await readStorePointer(store, 'm'), 8, 'never backwards');
  });

  test('prefixes keep two deployments in one bucket apart', async () => {
    const a = server.store('a');
    const b = server.store('b/');
    await a.putBytes('registry/m/current.json', 'A');
    assert.equal(await b.getBytes('registry/m/current.json'), null);
    assert.deepEqual(await a.list('registry/'), ['registry/m/current.json']);
  });

  test('a 96 MB file streams through multipart upload and back with memory growth well below its size', async () => {
    const src = join(dir.path, 'big.bin');
    // Large enough that buffering the file would show: the adapter's ceiling is two parts in
    // flight plus garbage not yet collected (about 40 MB measured), whatever the file size.
    const size = 96 * 1024 * 1024;
    const fh = await open(src, 'w');
    const block = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < size / block.length; i++) {
      block.fill(i % 251);
      block.writeUInt32LE(i, 0);
      await fh.write(block);
    }
    await fh.close();
    const store = server.store();
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    try {
      await store.putFile('uploads/big/big.bin', src);
      await store.getFile('uploads/big/big.bin', join(dir.path, 'back.bin'));
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    assert.equal((await stat(join(dir.path, 'back.bin'))).size, size);
    assert.equal(await sha256(join(dir.path, 'back.bin')), await sha256(src));
    const growthMb = (peak - baseline) / 1024 / 1024;
    assert.ok(growthMb < 64, `RSS grew by ${growthMb.toFixed(1)} MB moving a 96 MB file`);
  });
});
