import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { claimModelName, type ModelOwner } from '../core/model-owner.ts';
import { publishModel, readCard, registryRoot } from '../core/registry.ts';
import { PredictionClient, PredictionError } from '../bot/predict/prediction-client.ts';
import { binaryTable, SAMPLE_CARD, writeText } from './support/fixtures.ts';
import { runInProcess } from './support/run-in-process.ts';
import { makeTempDir } from './support/temp-dir.ts';

/**
 * Model names have owners (core/model-owner.ts, docs/security.md): a run cannot publish over
 * another team's model, and /predict only shows and answers what the asker may use.
 */

const teamA: ModelOwner = { platform: 'slack', team: 'T-A', channel: 'C-A' };
const teamB: ModelOwner = { platform: 'slack', team: 'T-B', channel: 'C-B' };

const card = SAMPLE_CARD;

describe('model names have owners', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  before(async () => {
    dir = await makeTempDir('model-names');
  });
  after(async () => dir.cleanup());

  test("a run asked to publish under another team's name publishes under a fresh one and says so", async () => {
    const home = join(dir.path, 'home-run');
    await claimModelName(registryRoot(home), 'churn', teamB);
    const file = await writeText(join(dir.path, 'churn.csv'), binaryTable({ rows: 200 }));
    const run = await runInProcess({
      home,
      file,
      goal: 'predict churn',
      options: { name: 'churn', maxExperiments: 2, budgetSeconds: 60 },
    });
    assert.equal(run.outcome.status, 'succeeded', run.outcome.error?.message);
    assert.equal(run.outcome.card?.name, 'churn-2');
    const notes = run.events.flatMap((e) => (e.type === 'note' ? [e.message] : []));
    assert.ok(
      notes.some((m) => /"churn" belongs to someone else.*published as "churn-2"/.test(m)),
      notes.join('\n'),
    );
    // The owner's name is untouched: no version was ever written under it.
    assert.deepEqual((await readdir(join(registryRoot(home), 'churn'))).sort(), ['owner.json']);
    assert.deepEqual((await readCard(home, 'churn-2')).owner, { platform: 'terminal' });
  });

  test('/predict lists and answers only the models the asking team may use', async () => {
    const home = join(dir.path, 'home-predict');
    const src = join(dir.path, 'src');
    await mkdir(join(src, 'model'), { recursive: true });
    await writeFile(join(src, 'model', 'model.joblib'), 'x');
    await writeFile(join(src, 'train.py'), '# x\n');
    const publish = (name: string, owner: ModelOwner) =>
      publishModel(home, name, {
        modelDir: join(src, 'model'),
        scriptPath: join(src, 'train.py'),
        card: { ...card, owner },
      });
    await publish('a-model', teamA);
    await publish('b-model', teamB);
    await publish('ops-model', { platform: 'terminal' });
    // A publish under another team's name is refused with a clear message.
    await assert.rejects(publish('a-model', teamB), /"a-model" belongs to another Slack workspace \(T-A\)/);

    const client = new PredictionClient({
      baseUrl: 'http://127.0.0.1:9',
      token: 'unused-in-this-test-0123456789abcdef',
      home,
      access: 'team',
    });
    assert.deepEqual(
      (await client.list(teamA)).map((m) => m.name),
      ['a-model', 'ops-model'],
    );
    assert.deepEqual(
      (await client.list(teamB)).map((m) => m.name),
      ['b-model', 'ops-model'],
    );
    // Another team's model answers exactly like a model that does not exist.
    await assert.rejects(
      client.describe('a-model', { asker: teamB }),
      (err: unknown) =>
        err instanceof PredictionError &&
        err.code === 'model_not_found' &&
        /^No model named "a-model"\.$/.test(err.message),
    );
    await assert.rejects(
      client.predict('a-model', [{ x: 1 }], teamB),
      (err: unknown) => err instanceof PredictionError && err.code === 'model_not_found',
    );
    const open = new PredictionClient({
      baseUrl: 'http://127.0.0.1:9',
      token: 'unused-in-this-test-0123456789abcdef',
      home,
      access: 'all',
    });
    assert.deepEqual(
      (await open.list(teamB)).map((m) => m.name),
      ['a-model', 'b-model', 'ops-model'],
    );
  });
});
