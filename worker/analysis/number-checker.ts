import type { Ledger } from './findings-ledger.ts';

/**
 * The number checker (docs/architecture.md, "Analysis reports"): every number in a report's
 * prose must be a number of the ledger, as rounded in the text. A sentence with a number the
 * ledger does not hold is rejected: replaced by the text of the finding it talks about when
 * one is clear, dropped otherwise. Each kept sentence links to the findings its numbers came from.
 */

export interface CheckedSentence {
  text: string;
  /** Claim ids whose numbers the sentence shows. */
  findings: string[];
}

export interface CheckResult {
  sentences: CheckedSentence[];
  rejected: { sentence: string; numbers: string[]; replacedBy: string | null }[];
}

// A number as prose writes it: 1,234.5 / 0.12 / -3 / 23.5% / 4.2e-10 (not inside a word).
const NUMBER = /(?<![\w.])[-−]?\d+(?:,\d{3})*(?:\.\d+)?(?:e[-+]?\d+)?%?(?![\w])/gi;
const LINK = /\s*\[(?:[a-z][a-z0-9]*\.c\d+)(?:,\s*[a-z][a-z0-9]*\.c\d+)*\]/g;

/** The numbers written in a text, with what each needs to match (value, tolerance, percent). */
export function numbersIn(
  text: string,
  ignore: readonly string[] = [],
): { raw: string; value: number; tolerance: number; percent: boolean }[] {
  // "95% CI" names the kind of interval, not a measurement.
  let t = text
    .replace(LINK, ' ')
    .replace(/\b(?:95|90|99)\s?% (?=CI\b|confidence|interval|bootstrap|prediction interval)/gi, ' ');
  // Names can hold digits ("q3_sales", "2024 plan"): they are words, not claims.
  for (const name of [...ignore].sort((a, b) => b.length - a.length))
    if (name.length > 0 && /\d/.test(name)) t = t.split(name).join(' ');
  const out: { raw: string; value: number; tolerance: number; percent: boolean }[] = [];
  for (const m of t.matchAll(NUMBER)) {
    const raw = m[0];
    const percent = raw.endsWith('%');
    const body = raw.replace(/%$/, '').replace(/,/g, '').replace('−', '-');
    const value = Number(body);
    if (!Number.isFinite(value)) continue;
    const exp = /e/i.test(body);
    const decimals = exp ? 0 : (body.split('.')[1]?.length ?? 0);
    // Rounded as written: half a unit of the last digit (relative for scientific notation).
    const tolerance = exp ? Math.abs(value) * 0.051 : 0.5 * 10 ** -decimals + 1e-9;
    out.push({ raw, value, tolerance, percent });
  }
  return out;
}

/** The claims a written number can stand for (percentages against shares and points). */
function backing(
  n: { value: number; tolerance: number; percent: boolean; raw: string },
  ledger: { value: number; claim: string }[],
): string[] {
  const hits = new Set<string>();
  for (const x of ledger) {
    const candidates = n.percent ? [x.value * 100, x.value] : [x.value];
    for (const c of candidates) {
      if (Math.abs(Math.abs(c) - Math.abs(n.value)) <= n.tolerance) hits.add(x.claim);
    }
  }
  return [...hits];
}

/** Small whole numbers count things the text lists ("the top 3 drivers"), not measurements. */
function isCounting(n: { raw: string; value: number; percent: boolean }): boolean {
  return !n.percent && Number.isInteger(n.value) && n.value >= 0 && n.value <= 10 && !n.raw.includes('.');
}

export function splitSentences(text: string): string[] {
  // A full stop ends a sentence before whitespace (so 0.12 stays whole); a finding link right
  // after it ("... 0.136. [a3.c2] Next") belongs to the sentence before.
  return text
    .split(/(?<=[.!?](?:\s*\[[a-z][a-z0-9]*\.c\d+(?:,\s*[a-z][a-z0-9]*\.c\d+)*\])?)\s+(?!\[)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function checkNumbers(text: string, ledger: Ledger, names: readonly string[] = []): CheckResult {
  const numbers = ledger.numbers();
  const result: CheckResult = { sentences: [], rejected: [] };
  for (const sentence of splitSentences(text)) {
    const found = numbersIn(sentence, names);
    const links = new Set<string>();
    const missing: string[] = [];
    for (const n of found) {
      const hits = backing(n, numbers);
      if (hits.length > 0) hits.slice(0, 1).forEach((h) => links.add(h.replace(/\.caveat\d+$/, '')));
      else if (!isCounting(n)) missing.push(n.raw);
    }
    // Claims the sentence names explicitly ([a2.c3]) link too, when their numbers agree.
    for (const m of sentence.matchAll(/\[([a-z][a-z0-9]*\.c\d+)\]/g))
      if (ledger.claim(m[1]!) !== undefined) links.add(m[1]!);
    const clean = sentence.replace(LINK, '').trim();
    if (missing.length === 0) {
      result.sentences.push({
        text: clean,
        findings: [...links].filter((l) => ledger.claim(l) !== undefined),
      });
      continue;
    }
    const replacement = replacementFor(clean, ledger, names);
    result.rejected.push({ sentence: clean, numbers: missing, replacedBy: replacement?.id ?? null });
    if (replacement !== null && !result.sentences.some((s) => s.text === replacement.text))
      result.sentences.push({ text: replacement.text, findings: [replacement.id] });
  }
  return result;
}

/** The finding an unbacked sentence was about: the first claim whose subject it names. */
function replacementFor(
  sentence: string,
  ledger: Ledger,
  names: readonly string[],
): { id: string; text: string } | null {
  const lower = sentence.toLowerCase();
  const named = names.filter((n) => n.length > 1 && lower.includes(n.toLowerCase()));
  for (const c of ledger.claims) {
    if (
      c.subject &&
      named.some((n) => c.subject!.toLowerCase() === n.toLowerCase()) &&
      ['driver', 'group', 'association', 'trend', 'comparison'].includes(c.kind)
    )
      return { id: c.id, text: c.text };
  }
  return null;
}
