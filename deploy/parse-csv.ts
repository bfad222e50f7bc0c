/**
 * CSV request bodies (RFC 4180: a header row, `,` between fields, `"` quoting with `""` for a
 * quote, CRLF or LF). Uploads for training are read by the harness in the sandbox, which
 * also sniffs other delimiters and encodings; a prediction request is small, UTF-8 and
 * comma-separated by contract (docs/api.md), so it is parsed here, before validation.
 *
 * The parser is incremental (`CsvRecordReader.push` takes the body piece by piece) so the
 * server can refuse a body with too many rows as soon as the row past the cap is complete,
 * without reading or parsing the rest of it: a 10 MB body of 5M one-byte rows used to be
 * parsed whole (seconds of blocked event loop, GBs of arrays) before the cap was checked.
 */
import { ServeError } from './errors.ts';

export class CsvRecordReader {
  /** Data rows completed so far (the header excluded), including one that broke the cap. */
  rows = 0;
  private names: string[] | null = null;
  private readonly records: Record<string, string>[] = [];
  private row: string[] = [];
  private field = '';
  private quoted = false;
  /** Characters held back from the end of a piece: a `"` or `\r` whose meaning depends on the next one. */
  private carry = '';
  private line = 1;
  private started = false;

  /** `maxRows`: more data rows than this is a 413 (OURO_SERVE_MAX_ROWS). */
  constructor(private readonly maxRows: number = Number.POSITIVE_INFINITY) {}

  /** Parses the next piece of the body; throws ServeError 400/413 as soon as the pieces so far show a problem. */
  push(piece: string): void {
    let text = this.carry + piece;
    this.carry = '';
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.scan(text, false);
  }

  /** The records, once the whole body was pushed. */
  end(): Record<string, string>[] {
    const rest = this.carry;
    this.carry = '';
    this.scan(rest, true);
    if (this.quoted)
      throw new ServeError(
        400,
        'bad_request',
        `CSV body: a quoted field opened before line ${this.line} is never closed.`,
      );
    if (this.field !== '' || this.row.length > 0) this.endRow();
    if (this.names === null)
      throw new ServeError(
        400,
        'bad_request',
        'CSV body is empty: send a header row and at least one data row.',
      );
    return this.records;
  }

  private scan(body: string, final: boolean): void {
    const n = body.length;
    let i = 0;
    while (i < n) {
      const ch = body[i]!;
      if (this.quoted) {
        if (ch === '"') {
          if (i + 1 === n && !final) {
            this.carry = '"';
            return;
          }
          if (body[i + 1] === '"') {
            this.field += '"';
            i += 2;
            continue;
          }
          this.quoted = false;
          i++;
          continue;
        }
        // Copy the run of ordinary characters up to the next quote at once.
        let j = body.indexOf('"', i);
        if (j < 0) j = n;
        const run = body.slice(i, j);
        for (let k = run.indexOf('\n'); k >= 0; k = run.indexOf('\n', k + 1)) this.line++;
        this.field += run;
        i = j;
        continue;
      }
      if (ch === '"' && this.field === '') {
        this.quoted = true;
        i++;
      } else if (ch === ',') {
        this.endField();
        i++;
      } else if (ch === '\n') {
        this.endRow();
        this.line++;
        i++;
      } else if (ch === '\r') {
        if (i + 1 === n && !final) {
          this.carry = '\r';
          return;
        }
        if (body[i + 1] !== '\n') this.endRow();
        i++;
      } else {
        // An unquoted run: everything up to the next delimiter, quote or line break.
        let j = i + 1;
        while (j < n) {
          const c = body.charCodeAt(j);
          if (c === 44 || c === 10 || c === 13 || c === 34) break;
          j++;
        }
        this.field += body.slice(i, j);
        i = j;
      }
    }
  }

  private endField(): void {
    this.row.push(this.field);
    this.field = '';
  }

  private endRow(): void {
    this.endField();
    const fields = this.row;
    this.row = [];
    if (fields.length === 1 && fields[0] === '') return;
    if (this.names === null) {
      const names = fields.map((h) => h.trim());
      const seen = new Set<string>();
      for (const name of names) {
        if (seen.has(name))
          throw new ServeError(400, 'bad_request', `CSV header names column "${name}" twice.`);
        seen.add(name);
      }
      this.names = names;
      return;
    }
    const r = this.rows++;
    if (this.rows > this.maxRows) {
      throw new ServeError(
        413,
        'too_many_rows',
        `The request has more than ${this.maxRows} rows; at most ${this.maxRows} are allowed per request (OURO_SERVE_MAX_ROWS). Send them in batches.`,
      );
    }
    const names = this.names;
    if (fields.length !== names.length) {
      throw new ServeError(
        400,
        'bad_request',
        `CSV row ${r} has ${fields.length} fields; the header has ${names.length}.`,
      );
    }
    const record: Record<string, string> = {};
    for (let k = 0; k < names.length; k++) record[names[k]!] = fields[k]!;
    this.records.push(record);
  }
}

/** A whole CSV text at once (the chat bots' attachments; the server streams, see deploy/request-body.ts). */
export function parseCsvRecords(text: string, maxRows?: number): Record<string, string>[] {
  const reader = new CsvRecordReader(maxRows);
  reader.push(text);
  return reader.end();
}
