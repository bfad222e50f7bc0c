/**
 * The shapes a prediction request's rows arrive in (docs/api.md): v1 records or CSV read from
 * the body stream, v2 (KServe) column tensors; and the v1 answer's probabilities by class.
 */
import { ServeError } from './errors.ts';
import type { LoadedModel } from './loaded-model.ts';
import { readCsvBody, readJsonBody, type BodyLimits } from './request-body.ts';

const V2_DATATYPES = new Set([
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
]);

/**
 * v1 rows: a JSON array of records, {"records": [...]}, or CSV with a header row, read from the
 * body stream. `csvRowsParsed` hears how many CSV rows were parsed (also when a cap stopped it).
 */
export async function v1Rows(
  req: Request,
  limits: BodyLimits,
  csvRowsParsed: (rows: number) => void,
): Promise<unknown[]> {
  const type = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'text/csv' || type === 'application/csv') return readCsvBody(req, limits, csvRowsParsed);
  // curl -d sends form-urlencoded and fetch a string as text/plain: both are read as JSON.
  if (
    !['', 'application/json', 'text/plain', 'application/x-www-form-urlencoded'].includes(type) &&
    !type.endsWith('+json')
  ) {
    throw new ServeError(
      415,
      'unsupported_media_type',
      `Send application/json (records) or text/csv, not ${type}.`,
    );
  }
  const doc = await readJsonBody(req, limits);
  if (Array.isArray(doc)) return doc;
  if (typeof doc === 'object' && doc !== null) {
    for (const key of ['records', 'instances']) {
      const v = (doc as Record<string, unknown>)[key];
      if (Array.isArray(v)) return v;
    }
  }
  throw new ServeError(
    400,
    'bad_request',
    'Send a JSON array of records ([{"column": value, ...}]) or {"records": [...]}.',
  );
}

/** Tensor data nested by its shape ([[a], [b]] for [n, 1]); nesting is bounded by the JSON guard (MAX_JSON_DEPTH). */
function flatten(data: unknown[]): unknown[] {
  return data.some(Array.isArray) ? (data as unknown[]).flat(Infinity as 1) : data;
}

export interface V2Request {
  id?: string;
  outputs: string[] | null;
  rows: Record<string, unknown>[];
}

/** Open Inference Protocol v2, tabular: one tensor per column, shape [n] or [n, 1]. */
export function v2Rows(body: unknown): V2Request {
  const doc = (body ?? null) as Record<string, unknown> | null;
  if (typeof doc !== 'object' || doc === null || !Array.isArray(doc.inputs) || doc.inputs.length === 0) {
    throw new ServeError(
      400,
      'bad_request',
      'An inference request needs "inputs": one tensor per column, e.g. {"name": "age", "shape": [2], "datatype": "FP64", "data": [31, 47]}.',
    );
  }
  let n: number | null = null;
  const columns: { name: string; data: unknown[] }[] = [];
  for (const [i, t] of (doc.inputs as Record<string, unknown>[]).entries()) {
    if (typeof t !== 'object' || t === null || typeof t.name !== 'string')
      throw new ServeError(400, 'bad_request', `inputs[${i}] needs a "name".`);
    if (typeof t.datatype !== 'string' || !V2_DATATYPES.has(t.datatype))
      throw new ServeError(
        400,
        'bad_request',
        `Input "${t.name}": datatype must be one of ${[...V2_DATATYPES].join(', ')}.`,
      );
    if (
      !Array.isArray(t.shape) ||
      t.shape.length === 0 ||
      !t.shape.every((d) => Number.isInteger(d) && d >= 0)
    ) {
      throw new ServeError(400, 'bad_request', `Input "${t.name}": "shape" must be [rows] or [rows, 1].`);
    }
    const shape = t.shape as number[];
    if (shape.length > 2 || (shape.length === 2 && shape[1] !== 1))
      throw new ServeError(
        400,
        'bad_request',
        `Input "${t.name}": shape ${JSON.stringify(shape)} is not one column ([rows] or [rows, 1]).`,
      );
    if (!Array.isArray(t.data))
      throw new ServeError(400, 'bad_request', `Input "${t.name}" needs "data" as an array.`);
    const data = flatten(t.data);
    if (data.length !== shape[0])
      throw new ServeError(
        400,
        'bad_request',
        `Input "${t.name}": shape says ${shape[0]} values, data has ${data.length}.`,
      );
    if (n !== null && shape[0] !== n)
      throw new ServeError(
        400,
        'bad_request',
        `Input "${t.name}" has ${shape[0]} rows; the other inputs have ${n}.`,
      );
    n = shape[0]!;
    const dt = t.datatype;
    for (const [k, v] of data.entries()) {
      const ok =
        v === null ||
        (dt === 'BYTES'
          ? typeof v === 'string'
          : dt === 'BOOL'
            ? typeof v === 'boolean'
            : typeof v === 'number');
      if (!ok)
        throw new ServeError(
          422,
          'invalid_value',
          `Column "${t.name}", row ${k}: a ${dt} tensor cannot hold ${JSON.stringify(v)}.`,
          [{ row: k, column: t.name, expected: dt, value: v }],
        );
    }
    columns.push({ name: t.name, data });
  }
  const rows: Record<string, unknown>[] = Array.from({ length: n ?? 0 }, () => ({}));
  for (const col of columns) col.data.forEach((v, i) => (rows[i]![col.name] = v));
  let outputs: string[] | null = null;
  if (Array.isArray(doc.outputs)) outputs = (doc.outputs as { name?: unknown }[]).map((o) => String(o?.name));
  return { ...(typeof doc.id === 'string' ? { id: doc.id } : {}), outputs, rows };
}

export function probabilityObjects(model: LoadedModel, p: number[][]): Record<string, number>[] {
  const classes = model.signature.classes ?? [];
  return p.map((row) => Object.fromEntries(classes.map((c, k) => [c, row[k] ?? 0])));
}
