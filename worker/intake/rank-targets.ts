import type { ColumnProfile } from '../../core/schemas/profile.ts';
import { normalizeName, taskHint, type TaskHint } from './goal-words.ts';
import { STOP_WORDS } from './stop-words.ts';
import { readGoal } from './goal-evidence.ts';
import { preferLongerNames, scoreColumn } from './score-target.ts';

/**
 * Which column a goal asks about, the way a data scientist reads it: every column gets a score
 * from the evidence in the goal (named explicitly, named by a word form or synonym, its values
 * named, the wording of the task) and its fitness as a target for that task (an ID never is
 * one; a word-frequency column is a poor answer to "classify"). The verdict says the winner and
 * the runner-up and why, or that the goal does not settle it and a person should be asked.
 *
 * Every kind of work starts here (models, forecasts, the "what drives X" of a report), so it
 * takes only column profiles and returns plain data.
 */

export interface TargetCandidate {
  column: string;
  score: number;
  /** The part of the score that comes from the goal's words (0: the goal does not point at it). */
  evidence: number;
  /** One short phrase per piece of evidence or fitness, strongest first. */
  reasons: string[];
  usable: boolean;
  /** Why it cannot be a target (constant, empty, an ID, free text, dates). */
  unusable?: string;
}

export type AskWhy = 'nothing_named' | 'close' | 'unusable' | 'absent';

export type TargetVerdict =
  { kind: 'chosen'; column: string; reason: string } | { kind: 'ask'; why: AskWhy; message: string };

export interface TargetRanking {
  /** Usable candidates first, best first; then the unusable ones that the goal pointed at. */
  candidates: TargetCandidate[];
  hint: { hint: TaskHint; words: string } | null;
  /** A column named explicitly (quoted, in parentheses, after "column"/"target"), found or not. */
  explicit: { text: string; column: string | null } | null;
  verdict: TargetVerdict;
}

export interface RankOptions {
  /** Columns that cannot be the answer here (a forecast's date and series columns). */
  exclude?: readonly string[];
  /** A forecast needs a number: other columns are unusable. */
  numericOnly?: boolean;
}

/** Below this much evidence the goal does not name the column; it merely shares a word with it. */
const NAMED_MIN = 12;
/** A runner-up within this share of the winner's score makes two readings too close to call. */
const CLOSE_SHARE = 0.75;

const TASK_WORD_VALUES = new Set(['binary', 'classification', 'regression', 'multiclass', 'yes', 'no']);

/** A column named on purpose: quoted, in parentheses, or right after "column"/"target". */
function explicitMention(
  goal: string,
  columns: readonly ColumnProfile[],
): { text: string; column: string | null } | null {
  const byName = (text: string) =>
    columns.find((c) => normalizeName(c.name) === normalizeName(text) && normalizeName(text).length > 0);
  const isValue = (text: string) =>
    columns.some((c) => c.unique <= 20 && c.samples.some((s) => normalizeName(s) === normalizeName(text)));
  const identifier = (text: string) =>
    /^[A-Za-z][A-Za-z0-9_.\-]{0,63}$/.test(text) &&
    !STOP_WORDS.has(text.toLowerCase()) &&
    !TASK_WORD_VALUES.has(text.toLowerCase());
  const found: { text: string; column: string | null; strict: boolean }[] = [];
  const scan = (re: RegExp, strict: boolean) => {
    for (const m of goal.matchAll(re)) {
      const text = m[1]!.trim();
      if (text.length === 0 || isValue(text)) continue;
      const hit = byName(text);
      if (hit !== undefined) found.push({ text, column: hit.name, strict });
      else if (identifier(text)) found.push({ text, column: null, strict });
    }
  };
  scan(/["`“”]([^"`“”]{1,80})["`“”]/g, true);
  scan(/(?:^|\s)'([^']{1,80})'(?=$|[\s.,;:!?)])/g, true);
  scan(/\(\s*(?:target|column|label)?\s*[:=]?\s*([^()]{1,80}?)\s*\)/gi, false);
  scan(
    /\b(?:column|target|label|variable|field)(?:\s+(?:is|=|called|named))?\s*[:=]?\s+["'`]?([A-Za-z][A-Za-z0-9_.\-]*)/gi,
    false,
  );
  scan(/\bthe\s+["'`]?([A-Za-z][A-Za-z0-9_.\-]*)["'`]?\s+(?:column|field|variable)\b/gi, false);
  // A real column wins over words that merely look like a name ("(next 3 months)" is not one).
  return (
    found.find((f) => f.column !== null) ??
    found.find((f) => f.strict) ??
    found.find((f) => !/\s/.test(f.text) && f.text.length >= 3) ??
    null
  );
}

const quote = (s: string) => `"${s}"`;

function describe(c: TargetCandidate): string {
  return c.reasons.slice(0, 2).join('; ') || 'nothing in the goal points at it';
}

export function rankTargets(
  goal: string,
  columns: readonly ColumnProfile[],
  options: RankOptions = {},
): TargetRanking {
  const r = readGoal(goal, columns);
  const hint = taskHint(goal);
  const excluded = new Set(options.exclude ?? []);
  const pool = columns.filter((c) => !excluded.has(c.name));
  const explicit = explicitMention(goal, pool);
  const scored = pool.map((c, i) => {
    const s = scoreColumn(r, c, i, pool.length, hint?.hint ?? null, options);
    if (explicit?.column === c.name) {
      s.score += 100;
      s.evidence += 100;
      s.reasons.unshift(`the goal names it explicitly (${quote(explicit.text)})`);
    }
    return s;
  });
  preferLongerNames(scored);
  for (const s of scored) delete s.span;
  const usable = scored
    .filter((c) => c.usable)
    .sort((a, b) => b.score - a.score || a.column.localeCompare(b.column));
  const pointed = scored
    .filter((c) => !c.usable && c.evidence >= NAMED_MIN)
    .sort((a, b) => b.evidence - a.evidence);
  const candidates = [...usable, ...pointed];
  return { candidates, hint, explicit, verdict: decide(usable, pointed, explicit, hint) };
}

function decide(
  usable: TargetCandidate[],
  pointed: TargetCandidate[],
  explicit: TargetRanking['explicit'],
  hint: TargetRanking['hint'],
): TargetVerdict {
  const [top, runner] = usable;
  const shown = usable
    .slice(0, 5)
    .map((c) => quote(c.column))
    .join(', ');
  if (explicit !== null && explicit.column === null) {
    return {
      kind: 'ask',
      why: 'absent',
      message: `The goal names ${quote(explicit.text)}, but the file has no such column. Which column should I predict? The likeliest: ${shown || 'none'}.`,
    };
  }
  const bad = pointed[0];
  if (
    bad !== undefined &&
    (explicit?.column === bad.column || top === undefined || bad.evidence >= top.evidence)
  ) {
    return {
      kind: 'ask',
      why: 'unusable',
      message: `The goal points at ${quote(bad.column)}, but it cannot be a target: ${bad.unusable}. Which column should I predict instead? The likeliest: ${shown || 'none'}.`,
    };
  }
  if (top === undefined)
    return {
      kind: 'ask',
      why: 'nothing_named',
      message:
        'No column of this file can be a target (each is constant, empty, an identifier, free text or dates).',
    };
  // One column that can be a target needs no question (a series of one number, say).
  if (top.evidence < NAMED_MIN && usable.length === 1 && pointed.length === 0)
    return { kind: 'chosen', column: top.column, reason: 'it is the only column that can be a target' };
  if (top.evidence < NAMED_MIN) {
    return {
      kind: 'ask',
      why: 'nothing_named',
      message: `Nothing in the goal names a column${hint !== null ? ` (it asks "${hint.words}", but not about which column)` : ''}. Which column should I predict? The likeliest: ${shown}.`,
    };
  }
  const versus =
    runner === undefined
      ? ''
      : `; runner-up ${quote(runner.column)} (score ${runner.score}): ${describe(runner)}`;
  if (
    explicit?.column !== top.column &&
    runner !== undefined &&
    runner.evidence >= NAMED_MIN &&
    runner.score >= top.score * CLOSE_SHARE
  ) {
    return {
      kind: 'ask',
      why: 'close',
      message: `Two readings of the goal are close: ${quote(top.column)} (${describe(top)}) and ${quote(runner.column)} (${describe(runner)}). Which one should I predict?`,
    };
  }
  return { kind: 'chosen', column: top.column, reason: `${describe(top)} (score ${top.score}${versus})` };
}

/** The best usable candidate, for `--yes` and for ordering a question; null when none can be a target. */
export function bestCandidate(ranking: TargetRanking): TargetCandidate | null {
  return ranking.candidates.find((c) => c.usable) ?? null;
}
