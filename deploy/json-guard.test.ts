/** The streaming JSON guard: nesting depth and array length, fed piece by piece. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServeError } from './errors.ts';
import { JsonShapeGuard, MAX_JSON_DEPTH } from './json-guard.ts';

function check(text: string, maxItems = 100, pieceSize = 7): ServeError | null {
  const guard = new JsonShapeGuard(maxItems);
  try {
    for (let i = 0; i < text.length; i += pieceSize) guard.push(text.slice(i, i + pieceSize));
    return null;
  } catch (err) {
    if (err instanceof ServeError) return err;
    throw err;
  }
}

test('lets ordinary request bodies through', () => {
  const rows = Array.from({ length: 100 }, (_, i) => ({ a: i, b: `x[{${i}`, c: null, d: 'q"\\"]]]' }));
  assert.equal(check(JSON.stringify(rows)), null);
  assert.equal(check(JSON.stringify({ records: rows })), null);
  const v2 = {
    id: 'r',
    inputs: [{ name: 'a', shape: [100, 1], datatype: 'FP64', data: rows.map((_, i) => [i]) }],
    outputs: [{ name: 'predict' }],
  };
  assert.equal(check(JSON.stringify(v2, null, 2)), null);
});

test('refuses nesting past MAX_JSON_DEPTH with 422, brackets inside strings not counted', () => {
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  const err = check(deep, 100, 4096);
  assert.equal(err?.status, 422);
  assert.equal(err?.code, 'nesting_too_deep');
  assert.match(err!.message, /more than 32 levels deep/);
  assert.equal(check('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH)), null);
  assert.equal(
    check('{"a":'.repeat(MAX_JSON_DEPTH + 1) + '1' + '}'.repeat(MAX_JSON_DEPTH + 1))?.code,
    'nesting_too_deep',
  );
  assert.equal(check(JSON.stringify(['['.repeat(1000)])), null);
});

test('refuses an array with more items than the row cap (413), counting each array on its own', () => {
  assert.equal(check(JSON.stringify(Array.from({ length: 100 }, () => ({ a: [1, 2, 3] })))), null);
  const err = check(JSON.stringify(Array.from({ length: 101 }, () => ({ a: 1 }))));
  assert.equal(err?.status, 413);
  assert.equal(err?.code, 'too_many_rows');
  assert.match(err!.message, /more than 100 rows/);
  assert.equal(
    check(JSON.stringify({ inputs: [{ data: Array.from({ length: 101 }, (_, i) => [i]) }] }))?.code,
    'too_many_rows',
  );
  // Keys of an object are not items; strings with commas are one item.
  assert.equal(
    check(JSON.stringify(Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i])))),
    null,
  );
  assert.equal(check(JSON.stringify([','.repeat(500)]), 1), null);
});
