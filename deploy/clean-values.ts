/**
 * The harness cleaner's value conversions (sandbox/python/ouro_harness/convert.py and
 * clean.py), re-done in TypeScript for two jobs: checking a request's cells before any
 * predictor sees them, and feeding the ONNX fast path the same float and string columns the
 * Python cleaner would. Where the two could differ the ONNX path is only used after its
 * end-to-end predictions matched the Python model's on the holdout (deploy/onnx-check.ts).
 */
import { z } from 'zod';

/** A raw cell of a request: what JSON (or a CSV field) can hold. */
export type Cell = string | number | boolean | null;

/** One feature as the pickled cleaner knows it (signature.json leaves out decimal/format/time). */
export const FeatureSpecSchema = z.object({
  name: z.string(),
  // 'text': free text a model reads through its own TF-IDF step (ouro_harness/text.py); passed on as a string.
  meant: z.enum(['numeric', 'boolean', 'datetime', 'categorical', 'text']),
  conversion: z.string().nullable().optional(),
  categories: z.array(z.coerce.string()).nullable().optional(),
  decimal: z.string().nullable().optional(),
  format: z.string().nullable().optional(),
  time: z.boolean().nullable().optional(),
});
export type FeatureSpec = z.infer<typeof FeatureSpecSchema>;

export const MISSING_TOKENS = new Set(['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None', 'none', '?']);
const TRUE_TOKENS = new Set(['true', 't', 'yes', 'y', '1', '1.0']);
const FALSE_TOKENS = new Set(['false', 'f', 'no', 'n', '0', '0.0']);

const NUM: Record<string, string> = {
  '.': String.raw`[+-]?(?:(?:\d{1,3}(?:,\d{2,3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?`,
  ',': String.raw`[+-]?(?:(?:\d{1,3}(?:\.\d{2,3})+|\d+)(?:,\d*)?|,\d+)(?:[eE][+-]?\d+)?`,
};
const NUM_RE: Record<string, RegExp> = {
  '.': new RegExp(`^(?:${NUM['.']})$`),
  ',': new RegExp(`^(?:${NUM[',']})$`),
};
const SPACES = /[\s\u00a0\u202f'\u2019]/g;

const CURRENCY_SYMBOLS = '$€£¥₹₩₽₺₪฿₫₴₦¢';
const CODES = 'USD|EUR|GBP|JPY|CNY|RMB|CHF|CAD|AUD|NZD|INR|SEK|NOK|DKK|PLN|BRL|MXN|ZAR|RUB|KRW|SGD|HKD|TRY';
const CUR = String.raw`(?:[A-Z]{1,2}\$|[${CURRENCY_SYMBOLS.replace('$', '\\$')}]|(?:${CODES})\b)`;
const CURRENCY_RE = new RegExp(
  String.raw`^(?<open>\()?\s*(?<s1>[+-])?\s*(?<c1>${CUR})?\s*(?<s2>[+-])?\s*` +
    String.raw`(?<num>[\d.,\s\u00a0\u202f'\u2019]*\d[\d.,\s\u00a0\u202f'\u2019]*?)\s*` +
    String.raw`(?<c2>${CUR}|(?:${CODES}))?\s*(?<s3>-)?\s*(?<close>\))?$`,
);
const PERCENT_RE = /^(?<num>[+-]?[\d.,\s\u00a0\u202f]*\d[\d.,]*)\s*(?<pct>%)?$/;

const TIME = String.raw`(?:(?:[T ]|\s+)(?<H>\d{1,2}):(?<M>\d{2})(?::(?<S>\d{2})(?:[.,](?<f>\d{1,9}))?)?\s*(?<ampm>[AaPp]\.?[Mm]\.?)?)?\s*(?<tz>Z|UTC|GMT|[+-]\d{2}:?\d{2})?$`;
const DATE_PATTERNS: Record<string, RegExp> = {
  iso: new RegExp(String.raw`^(?<y>\d{4})(?<sep>[-/.])(?<m>\d{1,2})(?:\k<sep>(?<d>\d{1,2}))?` + TIME),
  dmy: new RegExp(String.raw`^(?<d>\d{1,2})(?<sep>[-/.])(?<m>\d{1,2})\k<sep>(?<y>\d{4}|\d{2})` + TIME),
  mdy: new RegExp(String.raw`^(?<m>\d{1,2})(?<sep>[-/.])(?<d>\d{1,2})\k<sep>(?<y>\d{4}|\d{2})` + TIME),
};
/** What pandas' strict ISO 8601 parser (the harness's fast path) takes beyond the patterns above. */
const STRICT_ISO =
  /^(?<y>\d{4})(?:-?(?<m>\d{2})(?:-?(?<d>\d{2}))?)?(?:[T ](?<H>\d{2})(?::?(?<M>\d{2})(?::?(?<S>\d{2})(?:[.,](?<f>\d{1,9}))?)?)?)?(?<tz>Z|[+-]\d{2}(?::?\d{2})?)?$/;

const DATE_PARTS = ['year', 'month', 'day', 'dayofweek', 'hour', 'epoch_days'] as const;
const DAY_MS = 86_400_000;

/** Python's `str(float)`: shortest round-trip digits, scientific below 1e-4 and from 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const [mantissa, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 16)
    return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  const text = String(x);
  return text.includes('.') || text.includes('e') ? text : `${text}.0`;
}

/** as_text for one cell: stripped text, null for missing. */
export function cellText(v: Cell | undefined): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') {
    const t = v.trim();
    return MISSING_TOKENS.has(t) ? null : t;
  }
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (Number.isNaN(v)) return null;
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v === 0 ? 0 : v);
  return pyFloatRepr(v);
}

export function parseNumberText(text: string, decimal = '.'): number {
  const compact = text.replace(SPACES, '');
  const re = NUM_RE[decimal] ?? NUM_RE['.']!;
  if (!re.test(compact)) return Number.NaN;
  const canon = decimal === ',' ? compact.replaceAll('.', '').replace(',', '.') : compact.replaceAll(',', '');
  const n = Number(canon);
  return Number.isNaN(n) ? Number.NaN : n;
}

export function parseCurrency(text: string, decimal = '.'): number {
  const m = CURRENCY_RE.exec(text);
  if (m === null) return Number.NaN;
  const g = m.groups!;
  const number = parseNumberText(g.num ?? '', decimal);
  const hasOpen = g.open !== undefined;
  const hasClose = g.close !== undefined;
  const signs = [g.s1, g.s2, g.s3].filter((s) => s !== undefined);
  const valid = hasOpen === hasClose && signs.length <= 1 && !(g.c1 !== undefined && g.c2 !== undefined);
  if (!valid || Number.isNaN(number)) return Number.NaN;
  const negative = (hasOpen && hasClose) || signs.includes('-');
  return negative ? -Math.abs(number) : number;
}

export function parsePercent(text: string, decimal = '.'): number {
  const m = PERCENT_RE.exec(text);
  if (m === null) return Number.NaN;
  return parseNumberText(m.groups!.num ?? '', decimal) / 100;
}

export function parseBoolean(text: string): number {
  const lower = text.toLowerCase();
  if (TRUE_TOKENS.has(lower)) return 1;
  if (FALSE_TOKENS.has(lower)) return 0;
  return Number.NaN;
}

/** to_float for one cell: typed numbers and booleans as they are, text under the conversion. */
export function cellToFloat(
  v: Cell | undefined,
  conversion: string | null | undefined,
  decimal = '.',
): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const text = cellText(v);
  if (text === null) return Number.NaN;
  switch (conversion) {
    case 'currency':
      return parseCurrency(text, decimal);
    case 'percent':
      return parsePercent(text, decimal);
    case 'boolean':
      return parseBoolean(text);
    default:
      return parseNumberText(text, decimal);
  }
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Milliseconds since the epoch (UTC, with the offset applied), or NaN, from date-time fields. */
function stampFromFields(g: Record<string, string | undefined>, strict: boolean): number {
  let year = Number(g.y);
  if (!strict && year < 100) year += year < 69 ? 2000 : 1900;
  const month = g.m === undefined ? 1 : Number(g.m);
  const day = g.d === undefined ? 1 : Number(g.d);
  let hour = g.H === undefined ? 0 : Number(g.H);
  const minute = g.M === undefined ? 0 : Number(g.M);
  const second = g.S === undefined ? 0 : Number(g.S);
  const ampm = g.ampm?.toLowerCase()[0];
  if (ampm === 'p' && hour < 12) hour += 12;
  else if (ampm === 'a' && hour === 12) hour = 0;
  if (!(month >= 1 && month <= 12) || !(day >= 1 && day <= daysInMonth(year, month))) return Number.NaN;
  if (hour > 23 || minute > 59 || second > 59) return Number.NaN;
  const micros = g.f === undefined ? 0 : Math.round(Number(`0.${g.f}`) * 1e6);
  let ms = Date.UTC(year, month - 1, day, hour, minute, second) + micros / 1000;
  const tz = /^(?<sign>[+-])(?<h>\d{2}):?(?<m>\d{2})?$/.exec(g.tz ?? '');
  if (tz !== null) {
    const minutes = Number(tz.groups!.h) * 60 + Number(tz.groups!.m ?? 0);
    ms -= (tz.groups!.sign === '-' ? -minutes : minutes) * 60_000;
  }
  return ms;
}

/** parse_datetime for one stripped text under a column's format; NaN when it does not parse. */
export function parseDate(text: string, format: string | null | undefined): number {
  const fmt = format ?? 'iso';
  if (fmt === 'iso') {
    const strict = STRICT_ISO.exec(text);
    if (strict !== null) return stampFromFields(strict.groups!, true);
  }
  const pattern = DATE_PATTERNS[fmt];
  if (pattern === undefined) return Number.NaN;
  const m = pattern.exec(text);
  return m === null ? Number.NaN : stampFromFields(m.groups!, false);
}

/** The cleaner's output columns for one feature (date parts for a datetime). */
export function outputColumns(f: FeatureSpec): string[] {
  if (f.meant !== 'datetime') return [f.name];
  return DATE_PARTS.filter((p) => p !== 'hour' || f.time === true).map((p) => `${f.name}__${p}`);
}

export function dateParts(ms: number, time: boolean): number[] {
  if (Number.isNaN(ms)) return DATE_PARTS.filter((p) => p !== 'hour' || time).map(() => Number.NaN);
  const d = new Date(Math.floor(ms));
  const parts: Record<(typeof DATE_PARTS)[number], number> = {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    dayofweek: (d.getUTCDay() + 6) % 7,
    hour: d.getUTCHours(),
    epoch_days: ms / DAY_MS,
  };
  return DATE_PARTS.filter((p) => p !== 'hour' || time).map((p) => parts[p]);
}
