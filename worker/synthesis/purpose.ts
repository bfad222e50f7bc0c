/**
 * What a request for synthetic data is for, read from its words (docs/architecture.md,
 * "Synthetic data"). Two purposes, judged differently: a shareable stand-in for the real table
 * (utility, fidelity, privacy) and augmentation of a small or imbalanced table (does a model
 * trained on real + synthetic beat real alone). The goal router sends requests here; this reads
 * only what matters once they arrive.
 */
export type SynthPurpose = 'stand-in' | 'augment';

export interface SynthIntent {
  purpose: SynthPurpose;
  why: string;
  /** Rows asked for in the goal ("5,000 rows", "10k examples"); null when none. */
  rows: number | null;
  /** The goal asks to anonymise / de-identify: answered with what this can and cannot promise. */
  anonymise: boolean;
  /** A class named in the goal ("more fraud cases"), matched later against the target's classes. */
  classWords: string[];
}

const AUGMENT =
  /\b(more (examples|rows|samples|cases|instances) of|more \w+ (cases|examples|rows|samples)|augment\w*|oversampl\w*|upsampl\w*|rebalanc\w*|balance the|imbalanc\w*|rare class|minority|too few|only (?:have |got )?\d+ [\w-]+|make more|boost the)\b/i;
const STAND_IN =
  /\b(share|shareable|sharing|vendor|partner|stand-?in|test data|demo|mock|dummy|fake|like this|look-?alike|replica|copy of|public|release|outside)\b/i;
const ANONYMISE =
  /\b(anonymi[sz]\w*|anonymous|de-?identif\w*|pseudonymi[sz]\w*|remove (the )?(pii|personal)|gdpr|hipaa|private|privacy)\b/i;
const ROWS =
  /\b(\d{1,3}(?:[,.\s]\d{3})+|\d+(?:\.\d+)?\s*[km]?)\s*(?:synthetic\s+|new\s+|fake\s+|more\s+|extra\s+)?(rows|records|examples|samples|lines|entries|cases|instances)\b/i;

/** "5,000" → 5000, "10k" → 10000, "1.5m" → 1500000. */
export function parseCount(text: string): number | null {
  const t = text.trim().toLowerCase().replace(/\s+/g, '');
  const m = /^(\d+(?:\.\d+)?)([km]?)$/.exec(t);
  if (m) return Math.round(Number(m[1]) * (m[2] === 'k' ? 1_000 : m[2] === 'm' ? 1_000_000 : 1));
  const grouped = t.replace(/[,.]/g, '');
  return /^\d+$/.test(grouped) ? Number(grouped) : null;
}

export function readSynthIntent(goal: string): SynthIntent {
  const rowsMatch = ROWS.exec(goal);
  const rows = rowsMatch ? parseCount(rowsMatch[1]!) : null;
  const anonymise = ANONYMISE.test(goal);
  const aug = AUGMENT.exec(goal);
  const named = [
    ...goal.matchAll(/\bmore (?:examples of |rows of |cases of |samples of )?(?:the )?([\w-]+)/gi),
    ...goal.matchAll(/\b\d+ ([\w-]+) (?:cases|examples|rows|samples|records)\b/gi),
    ...goal.matchAll(/\bclass "?([\w-]+)"?/gi),
  ];
  const classWords = [...new Set(named.map((m) => m[1]!.toLowerCase()))].filter(
    (w) => !/^(examples|rows|cases|samples|records|data|of|the|rare|minority|synthetic|fake|new)$/.test(w),
  );
  if (aug !== null) {
    return {
      purpose: 'augment',
      why: `the goal asks for "${aug[0]}", so the new rows are judged by whether a model trained on real + synthetic beats real alone`,
      rows,
      anonymise,
      classWords,
    };
  }
  const stand = STAND_IN.exec(goal) ?? (anonymise ? ANONYMISE.exec(goal) : null);
  const because = stand !== null ? `the goal says "${stand[0]}"` : "the goal asks for rows like the table's";
  return {
    purpose: 'stand-in',
    why: `${because}, so the table is a stand-in for the real one, judged by utility, fidelity and privacy`,
    rows,
    anonymise,
    classWords,
  };
}

/** What "anonymise" can and cannot mean here: said before anything runs. */
export const ANONYMISE_ANSWER =
  'You asked to anonymise. I cannot promise anonymity: I make a synthetic stand-in learned from your rows, with no row copied from them (exact copies are dropped), fresh identifiers and free text left out, and I measure how close its rows come to real ones against unseen real rows. That lowers the risk of exposing a person but is not anonymisation in the legal sense and not differential privacy: rare combinations can still resemble real people. Review it before it leaves your organisation.';
