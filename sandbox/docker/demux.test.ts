import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Demuxer, type StreamKind } from './demux.ts';

function frame(kind: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = kind;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

function collect(chunks: Buffer[]): Record<StreamKind, string> {
  const out: Record<StreamKind, Buffer[]> = { stdout: [], stderr: [] };
  const d = new Demuxer((kind, chunk) => out[kind].push(Buffer.from(chunk)));
  for (const c of chunks) d.push(c);
  return { stdout: Buffer.concat(out.stdout).toString(), stderr: Buffer.concat(out.stderr).toString() };
}

const wire = Buffer.concat([
  frame(1, 'hello '),
  frame(2, 'oops\n'),
  frame(1, 'world\n'),
  frame(1, ''),
  frame(2, 'ünïcode\n'),
]);

test('whole frames in one chunk', () => {
  assert.deepEqual(collect([wire]), { stdout: 'hello world\n', stderr: 'oops\nünïcode\n' });
});

test('every split point, including inside headers and multi-byte characters', () => {
  for (let i = 0; i <= wire.length; i++) {
    assert.deepEqual(
      collect([wire.subarray(0, i), wire.subarray(i)]),
      { stdout: 'hello world\n', stderr: 'oops\nünïcode\n' },
      `split at ${i}`,
    );
  }
});

test('one byte at a time', () => {
  const bytes = [...wire].map((b) => Buffer.from([b]));
  assert.deepEqual(collect(bytes), { stdout: 'hello world\n', stderr: 'oops\nünïcode\n' });
});

test('a large frame arriving in pieces is passed through without waiting for the end', () => {
  const big = 'x'.repeat(100_000);
  const f = frame(1, big);
  let seen = 0;
  let calls = 0;
  const d = new Demuxer((_k, chunk) => {
    seen += chunk.length;
    calls++;
  });
  for (let i = 0; i < f.length; i += 16_384) d.push(f.subarray(i, i + 16_384));
  assert.equal(seen, 100_000);
  assert.ok(calls >= 6);
});
