import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Decision } from '../worker/brains/brain.ts';
import { seededRandom } from './support/random.ts';
import { writeText } from './support/fixtures.ts';
import { runInProcess } from './support/run-in-process.ts';
import { ScriptedBrain } from './support/scripted-brain.ts';
import { makeTempDir } from './support/temp-dir.ts';

let dir: { path: string; cleanup: () => Promise<void> };
before(async () => {
  dir = await makeTempDir('features');
});
after(() => dir.cleanup());

/** 480 rows; `code` has 120 values, 4 rows each. With `signal`, a code decides the label 3 times in 4. */
function codeTable(signal: boolean): string {
  const rand = seededRandom(5);
  const lines = ['x,code,label'];
  for (let i = 0; i < 480; i++) {
    const code = i % 120;
    const leaning = code % 2 === 0;
    const y = signal ? (rand() < 0.75 ? leaning : !leaning) : rand() < 0.5;
    lines.push(`${rand().toFixed(4)},k${code.toString(36)}x,${y ? 'yes' : 'no'}`);
  }
  return lines.join('\n') + '\n';
}

/** The real plan, then one linear draft with the plan's feature steps, then stop. */
const oneDraft = () => new ScriptedBrain([
  (s): Decision => ({ kind: 'experiment', operator: 'draft', parent: null, hypothesis: 'linear with the plan\'s features', recipe: { family: 'linear', params: {}, guards: ['impute', 'encode', 'handle_unknown', 'scale', 'sparse'], dropColumns: [], folds: 5, members: [], targetEncode: (s.plan.featureSteps ?? []).filter((f) => f.kind === 'target_encode').flatMap((f) => f.columns) } }),
  (): Decision => ({ kind: 'stop', why: 'one draft is the test' }),
]);

test('a high-cardinality column is target-encoded inside the folds: used when it carries signal, no signal when it carries none', async () => {
  const used = await runInProcess({ home: join(dir.path, 'signal'), file: await writeText(join(dir.path, 'signal.csv'), codeTable(true)), goal: 'predict label', brain: oneDraft(), options: { deployAnyway: true } });
  const plan = used.outcome.journal.plan!;
  assert.deepEqual(plan.featureSteps?.map((f) => [f.kind, f.columns]), [['target_encode', ['code']]]);
  assert.ok(used.events.some((e) => e.type === 'note' && /Feature step \(target encoding inside the folds\): "code" \(120 values\)/.test(e.message)), 'the plan says why');
  const n1 = used.outcome.journal.nodes[0]!;
  assert.deepEqual(n1.recipe.targetEncode, ['code']);
  assert.ok(n1.cv !== null && n1.cv.mean > 0.64, `the encoded code carries its signal: ${JSON.stringify(n1.cv)}`);

  // Pure noise: an encoder fitted on a fold's own validation rows would score far above 0.5
  // (four rows per code: each row's own label is a quarter of its code's mean).
  const noise = await runInProcess({ home: join(dir.path, 'noise'), file: await writeText(join(dir.path, 'noise.csv'), codeTable(false)), goal: 'predict label', brain: oneDraft(), options: { deployAnyway: true } });
  const m1 = noise.outcome.journal.nodes[0]!;
  assert.deepEqual(m1.recipe.targetEncode, ['code']);
  assert.ok(m1.cv !== null && m1.cv.mean < 0.58, `no leak from the validation rows: ${JSON.stringify(m1.cv)}`);
});
