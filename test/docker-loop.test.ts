import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { dockerSkipReason } from './support/docker-available.ts';
import { binaryTable, writeText } from './support/fixtures.ts';
import { runInProcess } from './support/run-in-process.ts';
import { makeTempDir } from './support/temp-dir.ts';

/**
 * The whole loop — inspect, split, experiments, holdout validation, publication — with every
 * piece of Python in a docker container (OURO_SANDBOX=docker). Skipped when no daemon answers
 * or the sandbox image is not built (scripts/docker-setup.sh; CI runs it).
 */
const skip = dockerSkipReason() ?? false;

describe('the loop with OURO_SANDBOX=docker', { skip }, () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  before(async () => {
    dir = await makeTempDir('docker-loop');
  });
  after(() => dir?.cleanup());

  test('a small CSV to a validated, published model', async () => {
    const file = await writeText(join(dir.path, 'churn.csv'), binaryTable());
    const run = await runInProcess({
      home: join(dir.path, 'home'),
      file,
      goal: 'predict churn',
      env: { OURO_SANDBOX: 'docker' },
      options: { maxExperiments: 3, budgetSeconds: 240 },
    });
    assert.equal(run.config.OURO_SANDBOX, 'docker');
    assert.equal(run.outcome.status, 'succeeded', run.outcome.error?.message);
    const validated = run.events.find((e) => e.type === 'validated');
    assert.ok(validated && validated.type === 'validated', 'the best model was validated on the holdout');
    assert.ok(validated.holdout > 0.6, `holdout ${validated.metric} ${validated.holdout}`);
    assert.ok(run.outcome.card, 'a model card was published');
    const succeeded = run.outcome.journal.nodes.filter((n) => n.status === 'succeeded');
    assert.ok(succeeded.length >= 2, `${succeeded.length} experiments succeeded`);
  });
});
