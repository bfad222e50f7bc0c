import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { binaryTable, writeText } from './support/fixtures.ts';
import { runInProcess } from './support/run-in-process.ts';
import { makeTempDir } from './support/temp-dir.ts';

let dir: { path: string; cleanup: () => Promise<void> };
before(async () => {
  dir = await makeTempDir('steer');
});
after(() => dir.cleanup());

test('steering from the thread changes the metric, excludes a column, bans a family and extends the budget', async () => {
  const file = await writeText(join(dir.path, 'data.csv'), binaryTable({ rows: 240 }));
  const run = await runInProcess({
    home: join(dir.path, 'home'),
    file,
    goal: 'predict churn',
    options: { maxExperiments: 4, budgetSeconds: 120 },
    steering: ['exclude city, avoid lightgbm', 'use accuracy', 'add 1m', 'make it pop'],
  });
  assert.equal(run.outcome.status, 'succeeded', run.outcome.error?.message);
  const journal = run.outcome.journal;
  assert.equal(journal.plan?.metric, 'accuracy');
  assert.equal(journal.request.options.budgetSeconds, 180);
  assert.ok(journal.nodes.length > 0);
  for (const n of journal.nodes) {
    assert.notEqual(n.recipe.family, 'lightgbm', 'a banned family ran');
    assert.ok(n.recipe.dropColumns.includes('city'), `${n.id} still used the excluded column`);
  }
  const changes = run.events.filter((e) => e.type === 'strategy.changed');
  assert.ok(changes.length >= 3, run.events.map((e) => e.type).join(', '));
  const notes = run.events.flatMap((e) => (e.type === 'note' ? [e.message] : []));
  assert.ok(
    notes.some((m) => m.includes('make it pop')),
    'an instruction it could not follow is named',
  );
  assert.equal(run.outcome.card?.metric, 'accuracy');
});
