/**
 * Tables with known structure for the analysis benchmark and tests (docs/benchmarks.md,
 * "Analysis reports"): what a report must find is planted, so whether it found it is a fact.
 */
import { seededRandom } from '../core/seeded-random.ts';

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

const csv = (header: string[], rows: (string | number)[][]) =>
  [
    header.join(','),
    ...rows.map((r) => r.map((v) => (typeof v === 'number' ? Number(v.toFixed(4)) : v)).join(',')),
  ].join('\n') + '\n';

/** Churn by contract with exact rates: month-to-month 215/500, one year 45/300, two years 6/200. */
export const CHURN_RATES: Record<string, { n: number; churned: number }> = {
  'month-to-month': { n: 500, churned: 215 },
  'one-year': { n: 300, churned: 45 },
  'two-year': { n: 200, churned: 6 },
};

export function churnCsv(seed = 7): string {
  const rand = seededRandom(seed);
  const rows: (string | number)[][] = [];
  let id = 1000;
  for (const [contract, { n, churned }] of Object.entries(CHURN_RATES)) {
    // Within a contract the shorter tenures churn more (a noisy order, so tenure is a driver but
    // no column predicts churn perfectly); the count per contract stays exact.
    const people = Array.from({ length: n }, () => ({
      tenure: Math.max(
        1,
        Math.round(
          (contract === 'month-to-month' ? 18 : contract === 'one-year' ? 34 : 50) + 14 * gaussian(rand),
        ),
      ),
      charges: 40 + 60 * rand(),
      jitter: 12 * gaussian(rand),
    }));
    people.sort((a, b) => a.tenure + a.jitter - (b.tenure + b.jitter));
    people.forEach((p, i) => {
      const month = 1 + Math.floor(rand() * 24);
      const signup = `${2022 + Math.floor((month - 1) / 12)}-${String(((month - 1) % 12) + 1).padStart(2, '0')}-15`;
      rows.push([
        `C${id++}`,
        contract,
        p.tenure,
        p.charges,
        rand() < 0.5 ? 'card' : 'bank',
        signup,
        i < churned ? 'yes' : 'no',
      ]);
    });
  }
  // Shuffled, seeded: the file's order says nothing.
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [rows[i], rows[j]] = [rows[j]!, rows[i]!];
  }
  return csv(['customer_id', 'contract', 'tenure', 'monthly_charges', 'payment', 'signup', 'churn'], rows);
}

/**
 * A numeric target with planted drivers: x1 and x2 (linear), x3 only inside segment `group = b`
 * (an interaction), z (a cause of the target that also drives w: w is a confounded bystander),
 * a rising trend over `day`; n1..n5 are noise.
 */
export const PLANTED = {
  drivers: ['x1', 'x2', 'x3', 'group', 'z'],
  noise: ['n1', 'n2', 'n3', 'n4', 'n5'],
  confounded: 'w',
  date: 'day',
};

export function plantedCsv(rows = 3000, seed = 11): string {
  const rand = seededRandom(seed);
  const out: (string | number)[][] = [];
  for (let i = 0; i < rows; i++) {
    const x1 = gaussian(rand),
      x2 = gaussian(rand),
      x3 = gaussian(rand),
      z = gaussian(rand);
    const group = rand() < 0.5 ? 'a' : 'b';
    const w = z + 0.35 * gaussian(rand);
    const t = rand();
    const day = new Date(Date.UTC(2021, 0, 1) + Math.floor(t * 730) * 86_400_000).toISOString().slice(0, 10);
    const noise = Array.from({ length: 5 }, () => gaussian(rand));
    const y = 3 * x1 + 2 * x2 + (group === 'b' ? 2.5 * x3 : 0) + 1.5 * z + 2 * t + gaussian(rand);
    out.push([x1, x2, x3, group, z, w, day, ...noise, y]);
  }
  return csv(['x1', 'x2', 'x3', 'group', 'z', 'w', 'day', 'n1', 'n2', 'n3', 'n4', 'n5', 'outcome'], out);
}
