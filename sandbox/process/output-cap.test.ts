import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CappedOutput } from './output-cap.ts';

test('output under the cap is kept whole', () => {
  const out = new CappedOutput(10);
  out.push(Buffer.from('abc'));
  out.push(Buffer.from('defgh'));
  assert.equal(out.toString(), 'abcdefgh');
  assert.equal(out.truncated, false);
});

test('output exactly at the cap is kept whole', () => {
  const out = new CappedOutput(10);
  out.push(Buffer.from('0123456789'));
  assert.equal(out.toString(), '0123456789');
  assert.equal(out.truncated, false);
});

test('over the cap: first half, marker with the dropped count, last half', () => {
  const out = new CappedOutput(10);
  for (const c of 'abcdefghijklmnopqrstuvwxyz') out.push(Buffer.from(c));
  assert.equal(out.truncated, true);
  assert.equal(out.droppedBytes, 16);
  assert.equal(out.toString(), 'abcde\n[... 16 bytes dropped ...]\nvwxyz');
});

test('one huge chunk is split into head and tail', () => {
  const out = new CappedOutput(8);
  out.push(Buffer.from('HEAD' + 'x'.repeat(1000) + 'TAIL'));
  assert.equal(out.toString(), 'HEAD\n[... 1000 bytes dropped ...]\nTAIL');
});

test('memory stays bounded: the tail never holds much more than the cap', () => {
  const out = new CappedOutput(1000);
  const chunk = Buffer.alloc(300, 0x61);
  for (let i = 0; i < 10_000; i++) out.push(chunk);
  const internal = out as unknown as { tail: Buffer[]; tailLen: number };
  assert.ok(internal.tailLen <= 500 + 300, `tail holds ${internal.tailLen} bytes`);
  assert.equal(out.totalBytes, 3_000_000);
  assert.equal(out.toString().length, 1000 + '\n[... 2999000 bytes dropped ...]\n'.length);
});

test('a zero cap keeps nothing and says so', () => {
  const out = new CappedOutput(0);
  out.push(Buffer.from('secret-ish'));
  assert.equal(out.toString(), '[... 10 bytes dropped ...]\n');
  assert.equal(out.truncated, true);
});
