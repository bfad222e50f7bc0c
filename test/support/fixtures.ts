import { writeFile } from 'node:fs/promises';
import { gaussian, seededRandom } from './random.ts';

/** Synthetic tables for end-to-end tests: small, seeded, with known signal. */

const CITIES = ['Lyon', 'Paris', 'Nantes', 'Lille', 'Nice', 'Brest'];

function toCsv(header: string[], rows: (string | number)[][], sep = ',', eol = '\n'): string {
  const cell = (v: string | number) => {
    const s = String(v);
    return s.includes(sep) || s.includes('"') || s.includes('\n') ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header.join(sep), ...rows.map((r) => r.map(cell).join(sep))].join(eol) + eol;
}

export interface TableOptions {
  rows?: number;
  seed?: number;
  /** Add a column that copies the target. */
  leakyCopy?: boolean;
  /**
   * Add six category values that appear once each (unknown in other folds): several, so at least
   * one lands in the training rows whatever the holdout split draws.
   */
  rareCategory?: boolean;
  /** Missing values in a numeric column. */
  missing?: boolean;
  /** A high-cardinality categorical column with about this many distinct codes. */
  codeCardinality?: number;
}

const RARE_CITIES = ['Atlantis', 'Avalon', 'Eldorado', 'Lemuria', 'Shangri-La', 'Thule'];

/** Binary classification: churn depends on `a`, `b` and the city. */
export function binaryTable(o: TableOptions = {}): string {
  const rand = seededRandom(o.seed ?? 7);
  const n = o.rows ?? 300;
  const header = [
    'a',
    'b',
    'city',
    ...(o.codeCardinality ? ['code'] : []),
    ...(o.leakyCopy ? ['churn_flag'] : []),
    'churn',
  ];
  const rows: (string | number)[][] = [];
  for (let i = 0; i < n; i++) {
    const a = gaussian(rand);
    const b = gaussian(rand);
    const city =
      o.rareCategory && i % 50 === 5 && RARE_CITIES[(i - 5) / 50] !== undefined
        ? RARE_CITIES[(i - 5) / 50]!
        : CITIES[Math.floor(rand() * CITIES.length)]!;
    const logit = 1.5 * a - b + (city === 'Paris' ? 1 : 0) + 0.5 * gaussian(rand);
    const y = logit > 0 ? 'yes' : 'no';
    const aCell = o.missing && rand() < 0.15 ? '' : a.toFixed(4);
    const code = `c${Math.floor(rand() * (o.codeCardinality ?? 1)).toString(36)}`;
    rows.push([
      aCell,
      b.toFixed(4),
      city,
      ...(o.codeCardinality ? [code] : []),
      ...(o.leakyCopy ? [y === 'yes' ? 'Y' : 'N'] : []),
      y,
    ]);
  }
  return toCsv(header, rows);
}

/** Regression: price = 30a - 20b + city effect + noise; `noise` carries no signal. */
export function regressionTable(o: TableOptions = {}): string {
  const rand = seededRandom(o.seed ?? 11);
  const n = o.rows ?? 300;
  const rows: (string | number)[][] = [];
  for (let i = 0; i < n; i++) {
    const a = gaussian(rand);
    const b = gaussian(rand);
    const city = CITIES[Math.floor(rand() * CITIES.length)]!;
    const y = 100 + 30 * a - 20 * b + (city === 'Nice' ? 25 : 0) + 5 * gaussian(rand);
    rows.push([a.toFixed(4), b.toFixed(4), city, gaussian(rand).toFixed(4), y.toFixed(2)]);
  }
  return toCsv(['a', 'b', 'city', 'noise', 'price'], rows);
}

/**
 * Everything that goes wrong in real exports, in one file: numbers stored as text with blank
 * strings, currency and percent strings, a copy of the target, a row id, a date column, an
 * all-missing column, and a class with a single member.
 */
export function messyTable(seed = 3): string {
  const rand = seededRandom(seed);
  const header = [
    'customer_id',
    'signup_date',
    'monthly_fee',
    'discount',
    'visits',
    'notes',
    'plan',
    'plan_copy',
    'status',
  ];
  const rows: (string | number)[][] = [];
  for (let i = 0; i < 400; i++) {
    const fee = 20 + rand() * 80;
    const visits = Math.floor(rand() * 30);
    const discount = rand() * 0.3;
    const day = new Date(Date.UTC(2024, 0, 1) + Math.floor(rand() * 600) * 86400000)
      .toISOString()
      .slice(0, 10);
    const score = -0.04 * fee + 0.15 * visits + 4 * discount + gaussian(rand) * 0.7;
    let status = score > 0.2 ? 'active' : 'churned';
    if (i === 17) status = 'paused';
    const plan = ['basic', 'plus', 'pro'][Math.floor(rand() * 3)]!;
    rows.push([
      1000 + i,
      day,
      `$${fee.toFixed(2)}`,
      `${(discount * 100).toFixed(1)}%`,
      rand() < 0.1 ? ' ' : String(visits),
      '',
      plan,
      status.toUpperCase(),
      status,
    ]);
  }
  return toCsv(header, rows);
}

/** The same binary table with a semicolon delimiter, a UTF-8 BOM and CRLF line endings. */
export function semicolonBomCrlf(): string {
  const csv = binaryTable({ rows: 240, seed: 5 })
    .trimEnd()
    .split('\n')
    .map((l) => l.split(',').join(';'))
    .join('\r\n');
  return '\ufeff' + csv + '\r\n';
}

export async function writeText(
  path: string,
  text: string,
  encoding: BufferEncoding = 'utf8',
): Promise<string> {
  await writeFile(path, text, { encoding });
  return path;
}

/** A model card's fields for registry tests (everything but name and version). */
export const SAMPLE_CARD = {
  runId: 'r-test',
  createdAt: new Date(0).toISOString(),
  task: 'binary' as const,
  target: 'y',
  metric: 'roc_auc' as const,
  holdout: { score: 0.8, baseline: 0.5, rows: 10, all: { roc_auc: 0.8 } },
  cv: { mean: 0.8, std: 0.01, folds: 5 },
  family: 'linear',
  script: 'train.py',
  data: { file: 'd.csv', rows: 50, columns: 3, trainRows: 40, holdoutRows: 10, seed: 0 },
  experiments: { tried: 1, succeeded: 1, failed: 0 },
  durationMs: 1,
  findings: [],
  inputs: [{ name: 'x', dtype: 'float' }],
  classes: ['0', '1'],
};
