import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCount, readSynthIntent } from './purpose.ts';

test('the purpose is read from the goal, with the row count and the class it names', () => {
  const cases: [string, 'stand-in' | 'augment', number | null, string[]][] = [
    ['make 5,000 synthetic rows like this I can share with the vendor', 'stand-in', 5000, []],
    ['I need test data for the new pipeline', 'stand-in', null, []],
    ['give me 10k rows', 'stand-in', 10_000, []],
    ['we only have 40 fraud cases — can you make more?', 'augment', null, ['fraud']],
    ['more examples of the rare class', 'augment', null, []],
    ['more pos rows please, 300 rows', 'augment', 300, ['pos']],
    ['oversample the minority class', 'augment', null, []],
  ];
  for (const [goal, purpose, rows, classWords] of cases) {
    const intent = readSynthIntent(goal);
    assert.equal(intent.purpose, purpose, goal);
    assert.equal(intent.rows, rows, goal);
    for (const w of classWords)
      assert.ok(intent.classWords.includes(w), `${goal}: ${intent.classWords.join(',')}`);
    assert.match(
      intent.why,
      purpose === 'augment' ? /real \+ synthetic beats real alone/ : /utility, fidelity and privacy/,
    );
  }
});

test('"anonymise" is noticed, so the run can say what it can and cannot promise', () => {
  assert.equal(readSynthIntent('anonymise this table').anonymise, true);
  assert.equal(readSynthIntent('please de-identify the patients').anonymise, true);
  assert.equal(readSynthIntent('make 100 rows').anonymise, false);
});

test('counts as people write them', () => {
  assert.equal(parseCount('5,000'), 5000);
  assert.equal(parseCount('1.5m'), 1_500_000);
  assert.equal(parseCount('12k'), 12_000);
  assert.equal(parseCount('lots'), null);
});
