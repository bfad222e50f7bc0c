import { z } from 'zod';

/**
 * findings.json as an analysis script writes it (sandbox/python/ouro_harness/analysis/
 * findings.py), validated once at the trust boundary; and the ledger: every claim of every
 * analysis of a report, the one source of numbers a report may show (docs/architecture.md,
 * "Analysis reports").
 */
const Num = z.number().finite();
const SAFE_PATH = z.string().regex(/^charts\/[A-Za-z0-9._-]{1,120}\.(png|csv)$/);

export const ClaimSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9]{0,15}\.c\d{1,4}$/),
  kind: z.string().max(40),
  text: z.string().max(2000),
  subject: z.string().max(300).nullable().optional(),
  values: z.record(z.string().max(40), Num),
  n: z.number().int().nonnegative().nullable().optional(),
  effect: z
    .object({ name: z.string().max(80), value: Num })
    .nullable()
    .optional(),
  interval: z.object({ lo: Num, hi: Num, level: Num }).nullable().optional(),
  p: Num.nullable().optional(),
  q: Num.nullable().optional(),
  method: z.string().max(500).default(''),
  chart: SAFE_PATH.nullable().optional(),
});
export type Claim = z.infer<typeof ClaimSchema>;

export const CaveatSchema = z.object({
  kind: z.string().max(40),
  text: z.string().max(2000),
  subject: z.string().max(300).nullable().optional(),
  values: z.record(z.string().max(40), Num).default({}),
});
export type Caveat = z.infer<typeof CaveatSchema>;

const RankedSchema = z.object({
  column: z.string(),
  importance: Num,
  lo: Num.nullable(),
  hi: Num.nullable(),
});

export const FindingsFileSchema = z
  .object({
    analysis: z.string().regex(/^[a-z][a-z0-9]{0,15}$/),
    title: z.string().max(300),
    rows: z
      .object({ total: z.number().int(), used: z.number().int(), sampled: z.boolean() })
      .nullable()
      .optional(),
    claims: z.array(ClaimSchema).max(500),
    charts: z.array(z.object({ file: SAFE_PATH, table: SAFE_PATH, title: z.string().max(300) })).max(50),
    caveats: z.array(CaveatSchema).max(200),
    drivers: z.array(RankedSchema).max(2000).optional(),
    model: z.object({ measure: z.string(), score: Num, heldOutRows: z.number().int() }).optional(),
  })
  .loose();
export type FindingsFile = z.infer<typeof FindingsFileSchema>;

/** One analysis as the ledger keeps it: its findings and where its script and charts are. */
export interface LedgerEntry {
  id: string;
  title: string;
  why: string;
  /** Relative to the run folder: analyses/<id>/analysis.py. */
  script: string;
  findings: FindingsFile;
}

export class Ledger {
  readonly entries: LedgerEntry[] = [];

  add(entry: LedgerEntry): void {
    this.entries.push(entry);
  }

  get claims(): Claim[] {
    return this.entries.flatMap((e) => e.findings.claims);
  }

  get caveats(): Caveat[] {
    return this.entries.flatMap((e) => e.findings.caveats);
  }

  claim(id: string): Claim | undefined {
    return this.claims.find((c) => c.id === id);
  }

  /** Every number a claim or caveat stands behind, with the claim it belongs to. */
  numbers(): { value: number; claim: string }[] {
    const out: { value: number; claim: string }[] = [];
    for (const c of this.claims) {
      const push = (v: number | null | undefined) => {
        if (typeof v === 'number' && Number.isFinite(v)) out.push({ value: v, claim: c.id });
      };
      for (const v of Object.values(c.values)) push(v);
      push(c.n);
      push(c.effect?.value);
      push(c.interval?.lo);
      push(c.interval?.hi);
      push(c.p);
      push(c.q);
    }
    this.entries.forEach((e) =>
      e.findings.caveats.forEach((cv, i) =>
        Object.values(cv.values).forEach((v) => out.push({ value: v, claim: `${e.id}.caveat${i + 1}` })),
      ),
    );
    return out;
  }

  /** The model-importance ranking, best first (drivers questions). */
  drivers(): { column: string; importance: number; lo: number | null; hi: number | null }[] {
    return this.entries.find((e) => e.findings.drivers !== undefined)?.findings.drivers ?? [];
  }

  /** The whole ledger as one JSON document (the report's findings.json). */
  toJSON(): unknown {
    return {
      analyses: this.entries.map((e) => ({
        ...e.findings,
        id: e.id,
        title: e.title,
        why: e.why,
        script: e.script,
      })),
    };
  }
}
