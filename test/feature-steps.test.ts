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
const oneDraft = () =>
  new ScriptedBrain([
    (s): Decision => ({
      kind: 'experiment',
      operator: 'draft',
      parent: null,
      hypothesis: "linear with the plan's features",
      recipe: {
        family: 'linear',
        params: {},
        guards: ['impute', 'encode', 'handle_unknown', 'scale', 'sparse'],
        dropColumns: [],
        folds: 5,
        members: [],
        targetEncode: (s.plan.featureSteps ?? [])
          .filter((f) => f.kind === 'target_encode')
          .flatMap((f) => f.columns),
      },
    }),
    (): Decision => ({ kind: 'stop', why: 'one draft is the test' }),
  ]);

test('a high-cardinality column is target-encoded inside the folds: used when it carries signal, no signal when it carries none', async () => {
  const used = await runInProcess({
    home: join(dir.path, 'signal'),
    file: await writeText(join(dir.path, 'signal.csv'), codeTable(true)),
    goal: 'predict label',
    brain: oneDraft(),
    options: { deployAnyway: true },
  });
  const plan = used.outcome.journal.plan!;
  assert.deepEqual(
    plan.featureSteps?.map((f) => [f.kind, f.columns]),
    [['target_encode', ['code']]],
  );
  assert.ok(
    used.events.some(
      (e) =>
        e.type === 'note' &&
        /Feature step \(target encoding inside the folds\): "code" \(120 values\)/.test(e.message),
    ),
    'the plan says why',
  );
  const n1 = used.outcome.journal.nodes[0]!;
  assert.deepEqual(n1.recipe.targetEncode, ['code']);
  assert.ok(
    n1.cv !== null && n1.cv.mean > 0.64,
    `the encoded code carries its signal: ${JSON.stringify(n1.cv)}`,
  );

  // Pure noise: an encoder fitted on a fold's own validation rows would score far above 0.5
  // (four rows per code: each row's own label is a quarter of its code's mean).
  const noise = await runInProcess({
    home: join(dir.path, 'noise'),
    file: await writeText(join(dir.path, 'noise.csv'), codeTable(false)),
    goal: 'predict label',
    brain: oneDraft(),
    options: { deployAnyway: true },
  });
  const m1 = noise.outcome.journal.nodes[0]!;
  assert.deepEqual(m1.recipe.targetEncode, ['code']);
  assert.ok(
    m1.cv !== null && m1.cv.mean < 0.58,
    `no leak from the validation rows: ${JSON.stringify(m1.cv)}`,
  );
});

const FILLER = [
  'the',
  'order',
  'came',
  'on',
  'time',
  'box',
  'item',
  'was',
  'with',
  'a',
  'note',
  'and',
  'we',
  'it',
  'for',
  'my',
  'again',
  'today',
];

/**
 * 480 rows with a free-text `note`. With `signal`, a label-leaning word is in the note 4 times in 5.
 * Without, rows come in pairs sharing three rare words (`pairK tagK markK`) and a label, and nothing
 * else carries the label: a TF-IDF vocabulary learned on all rows knows each pair's words, so a
 * model fitted on one row of a pair predicts the other in validation (AUC 0.98 when we fitted
 * TfidfVectorizer on all rows first). Learned on a fold's training rows only (words in at least
 * two of them), a split pair's words are unknown: chance.
 */
function noteTable(signal: boolean): string {
  const rand = seededRandom(11);
  const pick = () => FILLER[Math.floor(rand() * FILLER.length)]!;
  const lines = ['x,note,label'];
  let pairLabel = false;
  for (let i = 0; i < 480; i++) {
    if (i % 2 === 0) pairLabel = rand() < 0.5;
    const y = signal ? rand() < 0.5 : pairLabel;
    const words = Array.from({ length: signal ? 6 : 2 }, pick);
    const k = Math.floor(i / 2);
    if (signal) words.push(rand() < 0.8 ? (y ? 'broken' : 'perfect') : y ? 'perfect' : 'broken');
    else words.push(`pair${k}`, `tag${k}`, `mark${k}`);
    lines.push(`${rand().toFixed(4)},${words.join(' ')},${y ? 'yes' : 'no'}`);
  }
  return lines.join('\n') + '\n';
}

const oneTextDraft = () =>
  new ScriptedBrain([
    (s): Decision => ({
      kind: 'experiment',
      operator: 'draft',
      parent: null,
      hypothesis: 'linear on the words',
      recipe: {
        family: 'linear',
        params: {},
        guards: ['impute', 'encode', 'handle_unknown', 'scale', 'sparse'],
        dropColumns: [],
        folds: 5,
        members: [],
        textColumns: (s.plan.featureSteps ?? [])
          .filter((f) => f.kind === 'text_tfidf')
          .flatMap((f) => f.columns),
      },
    }),
    (): Decision => ({ kind: 'stop', why: 'one draft is the test' }),
  ]);

test('a free-text column becomes TF-IDF features learned inside the folds: used when its words carry signal, no leak through a shared rare word', async () => {
  const used = await runInProcess({
    home: join(dir.path, 'text-signal'),
    file: await writeText(join(dir.path, 'text-signal.csv'), noteTable(true)),
    goal: 'predict label',
    brain: oneTextDraft(),
    options: { deployAnyway: true },
  });
  const plan = used.outcome.journal.plan!;
  assert.deepEqual(
    plan.featureSteps?.map((f) => [f.kind, f.columns]),
    [['text_tfidf', ['note']]],
  );
  assert.ok(
    used.events.some(
      (e) => e.type === 'note' && /Feature step \(TF-IDF of free text\): "note"/.test(e.message),
    ),
    'the plan says why',
  );
  const n1 = used.outcome.journal.nodes[0]!;
  assert.deepEqual(n1.recipe.textColumns, ['note']);
  assert.ok(
    n1.cv !== null && n1.cv.mean > 0.72,
    `the note's words carry their signal: ${JSON.stringify(n1.cv)}`,
  );

  const paired = await runInProcess({
    home: join(dir.path, 'text-pairs'),
    file: await writeText(join(dir.path, 'text-pairs.csv'), noteTable(false)),
    goal: 'predict label',
    brain: oneTextDraft(),
    options: { deployAnyway: true },
  });
  const m1 = paired.outcome.journal.nodes[0]!;
  assert.deepEqual(m1.recipe.textColumns, ['note']);
  assert.ok(
    m1.cv !== null && m1.cv.mean < 0.62,
    `no leak from the validation rows: ${JSON.stringify(m1.cv)}`,
  );
});
