/** The incremental CSV reader: same records however the body is cut, and a row cap that stops it early. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServeError } from './errors.ts';
import { CsvRecordReader, parseCsvRecords } from './parse-csv.ts';

const TRICKY =
  '\ufeffname,note,n\r\n"Smith, J","said ""hi""\nthen left",1\r\nplain,,2\n\n"a"b,"",3\r\nlast,x,4';
const WANT = [
  { name: 'Smith, J', note: 'said "hi"\nthen left', n: '1' },
  { name: 'plain', note: '', n: '2' },
  { name: 'ab', note: '', n: '3' },
  { name: 'last', note: 'x', n: '4' },
];

test('parses quotes, escaped quotes, CRLF, a BOM, blank lines and newlines inside quotes', () => {
  assert.deepEqual(parseCsvRecords(TRICKY), WANT);
});

test('gives the same records whatever the pieces are (every cut point, and one character at a time)', () => {
  for (let cut = 0; cut <= TRICKY.length; cut++) {
    const reader = new CsvRecordReader();
    reader.push(TRICKY.slice(0, cut));
    reader.push(TRICKY.slice(cut));
    assert.deepEqual(reader.end(), WANT, `cut at ${cut}`);
  }
  const reader = new CsvRecordReader();
  for (const ch of TRICKY) reader.push(ch);
  assert.deepEqual(reader.end(), WANT);
});

test('stops at the row cap without parsing the rest: 413 after cap + 1 rows of a 5M-row body', () => {
  const maxRows = 10_000;
  const piece = '1\n'.repeat(32 * 1024);
  const reader = new CsvRecordReader(maxRows);
  let pushed = 0;
  const err = (() => {
    try {
      reader.push('a\n');
      for (pushed = 0; pushed < 5_000_000 / (32 * 1024); pushed++) reader.push(piece);
    } catch (e) {
      return e;
    }
    return null;
  })();
  assert.ok(err instanceof ServeError, 'no error for 5M rows');
  assert.equal(err.status, 413);
  assert.equal(err.code, 'too_many_rows');
  assert.match(err.message, /more than 10000 rows; at most 10000/);
  assert.equal(reader.rows, maxRows + 1);
  assert.equal(pushed, 0, 'the cap is checked inside a piece, not after it');
});

test('refuses an unclosed quote, a repeated header name, a short row and an empty body', () => {
  assert.throws(() => parseCsvRecords('a,b\n"x,1\n'), /quoted field opened before line 3 is never closed/);
  assert.throws(() => parseCsvRecords('a,a\n1,2\n'), /names column "a" twice/);
  assert.throws(() => parseCsvRecords('a,b\n1,2\n3\n'), /CSV row 1 has 1 fields; the header has 2/);
  assert.throws(() => parseCsvRecords(''), /CSV body is empty/);
});
