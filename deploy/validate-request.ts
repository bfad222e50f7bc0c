/**
 * The gate before any predictor: a request's rows checked against the model's inputs and
 * cleaned the way the harness cleaner would. Missing columns and cells that cannot be read as
 * their column's type are refused (422, naming column, row and expected type); categories the
 * model never saw are served but flagged; columns the model does not use are ignored and
 * flagged.
 */
import {
  cellText,
  cellToFloat,
  dateParts,
  outputColumns,
  parseDate,
  type Cell,
  type FeatureSpec,
} from './clean-values.ts';
import { ServeError, type InvalidCell } from './errors.ts';

/** The signature keeps at most this many categories; a full list may be cut, so no flag then. */
const SIGNATURE_CATEGORY_CAP = 200;
const MAX_REPORTED = 10;

export interface CompiledInput {
  name: string;
  meant: FeatureSpec['meant'];
  /** The cleaner's output columns for this input, and their kind. */
  columns: string[];
  kind: 'float' | 'string';
  /** The expected type, in words, for error messages. */
  expected: string;
  /** Cleaned values (one per output column); `ok` false when a present value does not convert. */
  clean(cell: Cell): { values: (number | string)[]; ok: boolean };
  known: Set<string> | null;
}

const DATE_EXAMPLES: Record<string, string> = {
  iso: '"2024-01-31"',
  dmy: '"31/01/2024"',
  mdy: '"01/31/2024"',
  text: '"Jan 31, 2024"',
};

function expectedOf(f: FeatureSpec): string {
  if (f.meant === 'boolean') return 'a boolean (true/false, yes/no, 1/0)';
  if (f.meant === 'datetime') return `a date like ${DATE_EXAMPLES[f.format ?? 'iso'] ?? DATE_EXAMPLES.iso}`;
  if (f.meant === 'categorical' || f.meant === 'text') return 'a string';
  const comma = f.decimal === ',';
  if (f.conversion === 'currency')
    return `a number or an amount like ${comma ? '"1.200,50 €"' : '"$1,200.50"'}`;
  if (f.conversion === 'percent') return `a number or a percent like ${comma ? '"12,5%"' : '"12.5%"'}`;
  return 'a number';
}

export function compileInputs(features: FeatureSpec[]): CompiledInput[] {
  return features.map((f): CompiledInput => {
    const base = {
      name: f.name,
      meant: f.meant,
      columns: outputColumns(f),
      expected: expectedOf(f),
      known: null,
    };
    switch (f.meant) {
      case 'categorical': {
        const cats = f.categories ?? null;
        return {
          ...base,
          kind: 'string',
          known: cats !== null && cats.length < SIGNATURE_CATEGORY_CAP ? new Set(cats) : null,
          clean: (cell) => ({ values: [cellText(cell) ?? ''], ok: true }),
        };
      }
      case 'text':
        // Free text: any string; the model's own vectorizer reads it (words it never saw count for nothing).
        return { ...base, kind: 'string', clean: (cell) => ({ values: [cellText(cell) ?? ''], ok: true }) };
      case 'datetime': {
        const time = f.time === true;
        const lenient = (f.format ?? 'iso') === 'text';
        return {
          ...base,
          kind: 'float',
          clean: (cell) => {
            const text = cellText(cell);
            if (text === null) return { values: dateParts(Number.NaN, time), ok: true };
            if (typeof cell === 'number' || typeof cell === 'boolean')
              return { values: dateParts(Number.NaN, time), ok: false };
            // Dates written with month names are parsed by pandas in the Python worker.
            if (lenient) return { values: dateParts(Date.parse(text), time), ok: true };
            const ms = parseDate(text, f.format);
            return { values: dateParts(ms, time), ok: !Number.isNaN(ms) };
          },
        };
      }
      case 'boolean':
        return {
          ...base,
          kind: 'float',
          clean: (cell) => {
            const v = cellToFloat(cell, 'boolean');
            return { values: [v], ok: !Number.isNaN(v) || cellText(cell) === null };
          },
        };
      default: {
        const decimal = f.decimal ?? '.';
        return {
          ...base,
          kind: 'float',
          clean: (cell) => {
            const v = cellToFloat(cell, f.conversion, decimal);
            return { values: [v], ok: !Number.isNaN(v) || cellText(cell) === null };
          },
        };
      }
    }
  });
}

export interface PreparedBatch {
  rows: number;
  /** The raw cells of the model's inputs, one object per row (what the Python worker gets). */
  records: Record<string, Cell>[];
  /** The cleaned columns (what the ONNX graph gets): float32 with NaN, or strings with "" for missing. */
  columns: Map<string, Float32Array | string[]>;
  warnings: string[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function shown(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Checks and cleans rows (rows are counted from 0); throws ServeError 400/413/422. */
export function prepareBatch(inputs: CompiledInput[], rows: unknown[], maxRows: number): PreparedBatch {
  if (rows.length === 0) throw new ServeError(400, 'bad_request', 'The request has no rows to predict.');
  if (rows.length > maxRows) {
    throw new ServeError(
      413,
      'too_many_rows',
      `The request has ${rows.length} rows; at most ${maxRows} are allowed per request. Send them in batches.`,
    );
  }
  for (let i = 0; i < rows.length; i++) {
    if (!isRecord(rows[i]))
      throw new ServeError(
        400,
        'bad_request',
        `Row ${i} is not an object of column: value (got ${shown(rows[i])}).`,
      );
  }
  const records = rows as Record<string, unknown>[];
  const n = records.length;

  // Missing columns: absent from every row, or from some rows (null is how to say "no value").
  for (const input of inputs) {
    let absent = 0;
    let first = -1;
    for (let i = 0; i < n; i++) {
      if (!Object.hasOwn(records[i]!, input.name)) {
        absent++;
        if (first < 0) first = i;
      }
    }
    if (absent === n) {
      const sample = Object.keys(records[0]!).slice(0, 20);
      throw new ServeError(
        422,
        'missing_column',
        `Missing column "${input.name}", which the model needs (${input.expected}). The request has: ${sample.map((c) => `"${c}"`).join(', ') || 'no columns'}.`,
      );
    }
    if (absent > 0) {
      throw new ServeError(
        422,
        'missing_column',
        `Row ${first} has no column "${input.name}" (${absent} of ${n} rows lack it). Send null for a missing value.`,
      );
    }
  }

  const columns = new Map<string, Float32Array | string[]>();
  const outs: (Float32Array | string[])[][] = inputs.map((input) =>
    input.columns.map((c) => {
      const col = input.kind === 'float' ? new Float32Array(n) : new Array<string>(n);
      columns.set(c, col);
      return col;
    }),
  );
  const out: Record<string, Cell>[] = new Array(n);
  const invalid: InvalidCell[] = [];
  let invalidCount = 0;
  const unseen = new Map<string, { count: number; examples: string[] }>();

  for (let i = 0; i < n; i++) {
    const record = records[i]!;
    const clean: Record<string, Cell> = {};
    for (let k = 0; k < inputs.length; k++) {
      const input = inputs[k]!;
      const raw = record[input.name];
      if (raw !== null && typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
        invalidCount++;
        if (invalid.length < MAX_REPORTED)
          invalid.push({ row: i, column: input.name, expected: input.expected, value: raw });
        continue;
      }
      clean[input.name] = raw;
      const { values, ok } = input.clean(raw);
      if (!ok) {
        invalidCount++;
        if (invalid.length < MAX_REPORTED)
          invalid.push({ row: i, column: input.name, expected: input.expected, value: raw });
        continue;
      }
      const cols = outs[k]!;
      for (let j = 0; j < cols.length; j++) (cols[j] as (number | string)[])[i] = values[j]!;
      if (input.known !== null) {
        const v = values[0] as string;
        if (v !== '' && !input.known.has(v)) {
          const u = unseen.get(input.name) ?? { count: 0, examples: [] };
          u.count++;
          if (u.examples.length < 3) u.examples.push(`${JSON.stringify(v)} in row ${i}`);
          unseen.set(input.name, u);
        }
      }
    }
    out[i] = clean;
  }

  if (invalidCount > 0) {
    const first = invalid[0]!;
    const more =
      invalidCount > 1 ? ` (${invalidCount} cells in all; the first ${invalid.length} are in "details")` : '';
    throw new ServeError(
      422,
      'invalid_value',
      `Column "${first.column}", row ${first.row}: expected ${first.expected}, got ${shown(first.value)}${more}.`,
      invalid,
    );
  }

  const warnings: string[] = [];
  for (const [name, u] of unseen) {
    const known = inputs.find((x) => x.name === name)!.known!;
    const list = [...known]
      .slice(0, 10)
      .map((c) => JSON.stringify(c))
      .join(', ');
    warnings.push(
      `Column "${name}": ${u.count} row${u.count === 1 ? '' : 's'} with a category the model never saw in training (${u.examples.join(', ')}); ` +
        `predicted anyway, treated as unknown. Known: ${list}${known.size > 10 ? ', ...' : ''}.`,
    );
  }
  const wanted = new Set(inputs.map((x) => x.name));
  const extra = Object.keys(records[0]!).filter((c) => !wanted.has(c));
  if (extra.length > 0) {
    warnings.push(
      `Ignored column${extra.length === 1 ? '' : 's'} the model does not use: ${extra
        .slice(0, 10)
        .map((c) => `"${c}"`)
        .join(', ')}${extra.length > 10 ? ', ...' : ''}.`,
    );
  }
  return { rows: n, records: out, columns, warnings };
}
