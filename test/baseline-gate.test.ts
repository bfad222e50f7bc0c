import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildRequest } from '../cli/run-command.ts';
import { loadConfig } from '../core/config.ts';
import type { Decision } from '../worker/brains/brain.ts';
import { binaryTable, writeText } from './support/fixtures.ts';
import { runInProcess } from './support/run-in-process.ts';
import { ScriptedBrain } from './support/scripted-brain.ts';
import { makeTempDir } from './support/temp-dir.ts';

let dir: { path: string; cleanup: () => Promise<void> };
before(async () => {
  dir = await makeTempDir('gate');
});
after(() => dir.cleanup());

// Only the baseline runs, so the best model scores exactly the baseline on the holdout: a model
// that does not beat it, by construction.
const baselineOnly = () =>
  new ScriptedBrain([
    (s): Decision => ({
      kind: 'experiment',
      operator: 'draft',
      parent: null,
      hypothesis: 'the prior',
      recipe: {
        family: 'baseline',
        params: {},
        guards: [],
        dropColumns: s.plan.dropColumns.map((d) => d.column),
        folds: 3,
        members: [],
      },
    }),
    (): Decision => ({ kind: 'stop', why: 'the test stops here' }),
  ]);

test('a model no better than the baseline is not deployed (why and what was tried); --deploy-anyway deploys it', async () => {
  const file = await writeText(join(dir.path, 'churn.csv'), binaryTable({ rows: 200 }));
  const refused = await runInProcess({
    home: join(dir.path, 'refused'),
    file,
    goal: 'predict churn',
    brain: baselineOnly(),
  });
  assert.equal(refused.outcome.status, 'failed');
  assert.equal(refused.outcome.card, null, 'nothing published');
  assert.equal(refused.outcome.error?.code, 'not_better_than_baseline');
  assert.match(refused.outcome.error!.message, /--deploy-anyway/);
  assert.ok(
    refused.events.some((e) => e.type === 'validated'),
    'the model was validated before the verdict',
  );
  assert.ok(!refused.events.some((e) => e.type === 'finished'));
  const warned = refused.events.flatMap((e) => (e.type === 'note' && e.level === 'warn' ? [e.message] : []));
  assert.ok(
    warned.some((m) => /What was tried: n1 baseline/.test(m)),
    warned.join('\n'),
  );
  const verdict = JSON.parse(await readFile(join(refused.root, 'not-deployed.json'), 'utf8')) as {
    why: string;
    tried: string[];
  };
  assert.match(verdict.why, /Only the baseline finished/);
  assert.equal(verdict.tried.length, 1);

  const anyway = await runInProcess({
    home: join(dir.path, 'anyway'),
    file,
    goal: 'predict churn',
    brain: baselineOnly(),
    options: { deployAnyway: true },
  });
  assert.equal(anyway.outcome.status, 'succeeded', anyway.outcome.error?.message);
  assert.ok(
    anyway.outcome.card!.findings.some((f) => /Deployed anyway/.test(f)),
    anyway.outcome.card!.findings.join('\n'),
  );
});

test('`ouro run --deploy-anyway` asks for it in the run request', async () => {
  const file = await writeText(join(dir.path, 'flag.csv'), binaryTable({ rows: 20 }));
  const config = loadConfig({ ...process.env, OURO_HOME: join(dir.path, 'flag-home') });
  const { request } = await buildRequest([file, 'predict churn', '--deploy-anyway'], config);
  assert.equal(request.options.deployAnyway, true);
  const plain = await buildRequest([file, 'predict churn'], config);
  assert.equal(plain.request.options.deployAnyway, undefined);
});
