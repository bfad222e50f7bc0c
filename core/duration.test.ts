import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDurationSeconds } from './duration.ts';

test('parses seconds, minutes, hours and combinations', () => {
  assert.equal(parseDurationSeconds('180'), 180);
  assert.equal(parseDurationSeconds('90s'), 90);
  assert.equal(parseDurationSeconds('3m'), 180);
  assert.equal(parseDurationSeconds('1m30s'), 90);
  assert.equal(parseDurationSeconds('1h'), 3600);
});

test('rejects what is not a duration', () => {
  assert.equal(parseDurationSeconds('soon'), null);
  assert.equal(parseDurationSeconds('3 parsecs'), null);
  assert.equal(parseDurationSeconds(''), null);
});
