import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { SAMPLE_CARD } from '../test/support/fixtures.ts';
import { makeTempDir } from '../test/support/temp-dir.ts';
import { currentVersion, publishModel, readCard, versionDir } from './registry.ts';

const card = SAMPLE_CARD;

test('concurrent publishes of one name each get their own version, and the alias ends on the newest', async () => {
  const tmp = await makeTempDir('ouro-registry-');
  try {
    const sources = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const modelDir = join(tmp.path, `src${i}`, 'model');
        await mkdir(modelDir, { recursive: true });
        await writeFile(join(modelDir, 'marker.txt'), String(i));
        await writeFile(join(tmp.path, `src${i}`, 'train.py'), `# run ${i}\n`);
        return { modelDir, scriptPath: join(tmp.path, `src${i}`, 'train.py'), i };
      }),
    );
    const cards = await Promise.all(
      sources.map((s) =>
        publishModel(tmp.path, 'm', {
          modelDir: s.modelDir,
          scriptPath: s.scriptPath,
          card: { ...card, runId: `r-${s.i}` },
        }),
      ),
    );
    const versions = cards.map((c) => c.version).sort((a, b) => a - b);
    assert.deepEqual(
      versions,
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    // Every version folder holds exactly the model its card says it came from.
    for (const c of cards) {
      const i = c.runId.slice(2);
      assert.equal(
        await readFile(join(versionDir(tmp.path, 'm', c.version), 'model', 'marker.txt'), 'utf8'),
        i,
      );
      assert.equal((await readCard(tmp.path, 'm', c.version)).runId, c.runId);
    }
    assert.equal(await currentVersion(tmp.path, 'm'), 12);
  } finally {
    await tmp.cleanup();
  }
});

test('a version published with promote: false is stored, and the alias stays where it was (a challenger that lost)', async () => {
  const tmp = await makeTempDir('ouro-registry-');
  try {
    const modelDir = join(tmp.path, 'src', 'model');
    await mkdir(modelDir, { recursive: true });
    await writeFile(join(modelDir, 'marker.txt'), 'x');
    await writeFile(join(tmp.path, 'src', 'train.py'), '# run\n');
    const input = { modelDir, scriptPath: join(tmp.path, 'src', 'train.py'), card };
    await publishModel(tmp.path, 'm', input);
    const kept = await publishModel(tmp.path, 'm', { ...input, promote: false });
    assert.equal(kept.version, 2);
    assert.equal(await currentVersion(tmp.path, 'm'), 1);
    assert.equal((await readCard(tmp.path, 'm', 2)).version, 2);
    assert.equal((await publishModel(tmp.path, 'm', input)).version, 3);
    assert.equal(await currentVersion(tmp.path, 'm'), 3);
  } finally {
    await tmp.cleanup();
  }
});
