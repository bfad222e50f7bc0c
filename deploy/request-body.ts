/**
 * Reading a prediction request's body as a stream: the byte cap applies while reading, the CSV
 * and JSON readers look at each piece as it arrives (and stop at the row and nesting caps), and
 * the event loop gets a turn between pieces, so `/v2/health/live` and other requests are
 * answered while a large body is read.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ServeError } from './errors.ts';
import { JsonShapeGuard } from './json-guard.ts';
import { CsvRecordReader } from './parse-csv.ts';
import { tooLarge } from './route-guards.ts';

export interface BodyLimits {
  /** OURO_SERVE_MAX_BODY_MB in bytes. */
  maxBytes: number;
  /** OURO_SERVE_MAX_ROWS. */
  maxRows: number;
}

/**
 * At most this many bytes are decoded and parsed between two turns of the event loop. A socket
 * delivers 16-64 KiB at a time; an in-process request (tests, `app.request`) can hand over the
 * whole body as one chunk, which is cut to this size.
 */
const PIECE_BYTES = 64 * 1024;

/**
 * The body as UTF-8 text, piece by piece. Throws 413 as soon as the bytes read pass `maxBytes`
 * (a declared Content-Length is checked before, by Hono's bodyLimit: deploy/route-guards.ts).
 * Stopping early (a consumer throwing) cancels the stream, so the rest of the body is never read.
 */
export async function* bodyPieces(req: Request, maxBytes: number): AsyncGenerator<string> {
  const body = req.body;
  if (body === null) return;
  const reader = body.getReader();
  const decoder = new TextDecoder('utf-8');
  let size = 0;
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) throw tooLarge(maxBytes);
      for (let at = 0; at < value.byteLength; at += PIECE_BYTES) {
        const text = decoder.decode(value.subarray(at, at + PIECE_BYTES), { stream: true });
        if (text !== '') yield text;
        // Let timers, health checks and other requests run before the next piece.
        await nextTurn();
      }
    }
    const rest = decoder.decode();
    if (rest !== '') yield rest;
    finished = true;
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** The CSV body's records; `parsed` hears how many data rows were parsed, even when a cap refused the body. */
export async function readCsvBody(
  req: Request,
  limits: BodyLimits,
  parsed?: (rows: number) => void,
): Promise<Record<string, string>[]> {
  const csv = new CsvRecordReader(limits.maxRows);
  try {
    for await (const piece of bodyPieces(req, limits.maxBytes)) csv.push(piece);
    return csv.end();
  } finally {
    parsed?.(csv.rows);
  }
}

/** The JSON body parsed, or `undefined` when it is empty. 400 for invalid JSON, 413/422 from the caps. */
export async function readJsonBody(req: Request, limits: BodyLimits): Promise<unknown> {
  const guard = new JsonShapeGuard(limits.maxRows);
  const parts: string[] = [];
  for await (const piece of bodyPieces(req, limits.maxBytes)) {
    guard.push(piece);
    parts.push(piece);
  }
  const text = parts.join('');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ServeError(400, 'bad_request', `The body is not valid JSON: ${(err as Error).message}.`);
  }
}
