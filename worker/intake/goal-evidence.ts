import type { ColumnProfile } from '../../core/schemas/profile.ts';
import { ANSWER_VERBS, FEATURE_MARKERS, normalizeName, stem, tokens, wordsMeet } from './goal-words.ts';
import { STOP_WORDS } from './stop-words.ts';

/**
 * The evidence a goal holds about each column (worker/intake/rank-targets.ts weighs it): the
 * goal read once into words, where a column's name or a synonym is said, which words of a
 * longer name are, and which of its values are named.
 */

export interface GoalReading {
  goal: string;
  words: string[];
  /** Index of the first word after a feature marker ("from", "using"), or Infinity. */
  featureFrom: number;
  /** Index of the word right after an answer verb ("predict X"), or -1. */
  answerAt: number;
  /** Every column's normalized name: a goal word that is one column's name is no synonym of another's. */
  names: Set<string>;
}

export function readGoal(goal: string, columns: readonly ColumnProfile[]): GoalReading {
  const words = tokens(goal);
  const lower = goal.toLowerCase();
  const verb = ANSWER_VERBS.exec(lower);
  const answerAt = verb === null ? -1 : tokens(lower.slice(0, verb.index + verb[0].length)).length;
  // Feature markers count only after the answer ("predict price from carat"), not before ("from this file, predict price").
  let featureFrom = Infinity;
  const re = new RegExp(FEATURE_MARKERS.source, 'gi');
  for (let m = re.exec(lower); m !== null; m = re.exec(lower)) {
    const at = tokens(lower.slice(0, m.index)).length;
    if (answerAt >= 0 && at > answerAt) {
      featureFrom = at;
      break;
    }
  }
  return { goal, words, featureFrom, answerAt, names: new Set(columns.map((c) => normalizeName(c.name))) };
}

export const isNumber = (s: string) => /^-?\d+(\.\d+)?$/.test(s.trim());
export const numericColumn = (c: ColumnProfile) =>
  c.meant === 'numeric' || ['currency', 'percent', 'numeric_text'].includes(c.conversion ?? '');
export const continuous = (c: ColumnProfile) =>
  numericColumn(c) &&
  (c.unique > 20 || (c.samples.some((s) => /[.,]\d/.test(s) && !/^-?\d+$/.test(s.trim())) && c.unique > 10));

/** Where the goal mentions a column by name (all its words, in order), and how. */
export function findName(
  r: GoalReading,
  column: string,
): { at: number; how: 'name' | 'synonym'; word: string } | null {
  const parts = tokens(column);
  if (parts.length === 0) return null;
  const norm = normalizeName(column);
  for (let i = 0; i < r.words.length; i++) {
    // A name written as one word in the goal ("totalcharges") or split ("total charges").
    for (let k = 1; k <= 3 && i + k <= r.words.length; k++) {
      const joined = r.words.slice(i, i + k).join('');
      if (joined === norm || (joined.length >= 4 && stem(joined) === stem(norm))) {
        if (parts.length === 1 && norm.length <= 2 && STOP_WORDS.has(norm)) continue;
        if (parts.length === 1 && STOP_WORDS.has(r.words[i]!) && norm.length <= 3) continue;
        return { at: i, how: 'name', word: r.words.slice(i, i + k).join(' ') };
      }
    }
    if (parts.length > 1 && i + parts.length <= r.words.length) {
      const meets = parts.map((p, j) => wordsMeet(r.words[i + j]!, p));
      if (meets.every((m) => m !== null))
        return {
          at: i,
          how: meets.includes('synonym') ? 'synonym' : 'name',
          word: r.words.slice(i, i + parts.length).join(' '),
        };
    }
  }
  // One-word names: a word form ("denial" → deny) or a synonym ("worth" → price).
  if (parts.length === 1 && parts[0]!.length >= 3) {
    for (let i = 0; i < r.words.length; i++) {
      const w = r.words[i]!;
      if (w.length < 3 || STOP_WORDS.has(w)) continue;
      const meet = wordsMeet(w, parts[0]!);
      if (meet === 'synonym' && r.names.has(w)) continue;
      if (meet !== null) return { at: i, how: meet === 'same' ? 'name' : 'synonym', word: w };
    }
  }
  return null;
}

/** Some of a multi-word name's words in the goal ("charges" → total_charges). */
export function partialName(
  r: GoalReading,
  column: string,
): { share: number; words: string[]; at: number } | null {
  const parts = tokens(column).filter(
    (p) => p.length >= 3 && !STOP_WORDS.has(p) && !/^(num|number|total|avg|mean|max|min|count|pct)$/.test(p),
  );
  if (parts.length === 0 || tokens(column).length < 2) return null;
  const hit: string[] = [];
  let at = -1;
  for (const p of parts) {
    // Word forms only: a synonym of one word of a longer name ("default" → delinq_amnt) is too weak a hint.
    const i = r.words.findIndex((w) => w.length >= 3 && !STOP_WORDS.has(w) && wordsMeet(w, p) === 'same');
    if (i >= 0) {
      hit.push(r.words[i]!);
      if (at < 0) at = i;
    }
  }
  return hit.length === 0 ? null : { share: hit.length / tokens(column).length, words: hit, at };
}

/** Values of the column that the goal names ("spam or nonspam", "good or bad"). */
export function namedValues(r: GoalReading, c: ColumnProfile): string[] {
  if (c.unique > 20 || c.unique < 2 || numericColumn(c)) return [];
  const named: string[] = [];
  for (const value of c.samples) {
    const parts = tokens(value);
    if (parts.length === 0 || parts.length > 3 || isNumber(value)) continue;
    for (let i = 0; i + parts.length <= r.words.length; i++) {
      if (parts.every((p, j) => r.words[i + j] === p)) {
        named.push(value);
        break;
      }
    }
  }
  return named;
}
