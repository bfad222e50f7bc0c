/**
 * CSV request bodies (RFC 4180: a header row, `,` between fields, `"` quoting with `""` for a
 * quote, CRLF or LF). Uploads for training are read by the harness in the sandbox, which
 * also sniffs other delimiters and encodings; a prediction request is small, UTF-8 and
 * comma-separated by contract (docs/api.md), so it is parsed here, before validation.
 */
import { ServeError } from './errors.ts';

export function parseCsvRecords(text: string): Record<string, string>[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  let line = 1;
  const endField = () => {
    row.push(field);
    field = '';
  };
  const endRow = () => {
    endField();
    if (!(row.length === 1 && row[0] === '')) rows.push(row);
    row = [];
  };
  while (i < body.length) {
    const ch = body[i]!;
    if (quoted) {
      if (ch === '"') {
        if (body[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      i++;
      continue;
    }
    if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') endField();
    else if (ch === '\n') {
      endRow();
      line++;
    } else if (ch === '\r') {
      if (body[i + 1] !== '\n') endRow();
    } else field += ch;
    i++;
  }
  if (quoted) throw new ServeError(400, 'bad_request', `CSV body: a quoted field opened before line ${line} is never closed.`);
  if (field !== '' || row.length > 0) endRow();
  const [header, ...data] = rows;
  if (header === undefined) throw new ServeError(400, 'bad_request', 'CSV body is empty: send a header row and at least one data row.');
  const names = header.map((h) => h.trim());
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new ServeError(400, 'bad_request', `CSV header names column "${name}" twice.`);
    seen.add(name);
  }
  return data.map((fields, r) => {
    if (fields.length !== names.length) {
      throw new ServeError(400, 'bad_request', `CSV row ${r} has ${fields.length} fields; the header has ${names.length}.`);
    }
    const record: Record<string, string> = {};
    names.forEach((name, k) => {
      record[name] = fields[k]!;
    });
    return record;
  });
}
