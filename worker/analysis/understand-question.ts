import type { ColumnProfile, Profile } from '../../core/schemas/profile.ts';
import { tokens, stem } from '../intake/goal-words.ts';
import { rankTargets } from '../intake/rank-targets.ts';

/**
 * What an analysis question asks (docs/architecture.md, "Analysis reports"): the drivers of a
 * target, a comparison of groups, a change over time, distributions and segments, data
 * quality, or something free-form; with the target, group and date columns it names.
 */
export type QuestionKind = 'drivers' | 'compare' | 'trend' | 'distribution' | 'quality' | 'free';

export interface AnalysisIntent {
  kind: QuestionKind;
  target: string | null;
  group: string | null;
  date: string | null;
  /** One line: which words decided the kind and the columns. */
  reason: string;
}

const QUALITY =
  /\b(data quality|quality of the data|missing|duplicates?|dirty|clean(?:ing)?|errors? in|inconsisten\w*|wrong values|outliers?|anomal\w*)\b/i;
const TREND =
  /\b(over time|trends?|trending|chang\w*|grow\w*|grew|fell|fall\w*|drop\w*|declin\w*|ris\w*|rose|evolv\w*|per (?:day|week|month|quarter|year)|by (?:day|week|month|quarter|year)|monthly|weekly|yearly|seasonal\w*|since)\b/i;
const COMPARE =
  /\b(compare\w*|comparison|versus|vs\.?|differ\w*|between|across|by|per|for each|among|segment\w*|breakdown|rate)\b/i;
const DRIVERS =
  /\b(driv\w*|affect\w*|influenc\w*|explain\w*|factors?|why|caus\w*|matters?|determin\w*|related|relationship|associat\w*|correlat\w*|impact\w*|predicts?|predictors?|leads? to|linked)\b/i;
const DISTRIBUTION =
  /\b(distribution|spread|typical|segments?|clusters?|groups? of|profile|describe|summar\w*|overview|look like)\b/i;

function isDate(c: ColumnProfile): boolean {
  return c.meant === 'datetime' || c.conversion === 'datetime';
}

/** A column the question names by its words (whole name or all of its words). */
function namedColumns(question: string, columns: readonly ColumnProfile[]): { column: string; at: number }[] {
  const words = tokens(question).map(stem);
  const text = ` ${words.join(' ')} `;
  const out: { column: string; at: number }[] = [];
  for (const c of columns) {
    const parts = tokens(c.name).map(stem);
    if (parts.length === 0) continue;
    const at = text.indexOf(` ${parts.join(' ')} `);
    if (at >= 0) out.push({ column: c.name, at });
  }
  return out.sort((a, b) => a.at - b.at);
}

/** The column after "by", "across", "between", "per", "for each", "compare": the groups. */
function groupColumn(
  question: string,
  columns: readonly ColumnProfile[],
  exclude: readonly string[],
): string | null {
  const m =
    /\b(?:by|across|between|per|for each|among|compare\w*(?: the)?|split by|broken down by)\s+(.+)$/i.exec(
      question,
    );
  if (m === null) return null;
  const candidates = namedColumns(
    m[1]!,
    columns.filter(
      (c) =>
        !exclude.includes(c.name) &&
        (c.meant === 'categorical' || c.meant === 'boolean' || (c.meant === 'numeric' && c.unique <= 20)),
    ),
  );
  return candidates[0]?.column ?? null;
}

export function understandQuestion(
  question: string,
  profile: Profile,
  opts: { target?: string; group?: string } = {},
): AnalysisIntent {
  const columns = profile.columns;
  const dates = columns.filter(isDate);
  const named = namedColumns(question, columns);
  const namedDate = named.map((n) => columns.find((c) => c.name === n.column)!).find(isDate)?.name ?? null;
  const date = namedDate ?? dates[0]?.name ?? null;
  const group = opts.group ?? groupColumn(question, columns, date !== null ? [date] : []);

  // The target: --target, else what rankTargets reads in the question (no question back: a
  // report without a named target is an overview, and says so).
  let target: string | null = opts.target ?? null;
  let targetWhy = opts.target !== undefined ? 'you chose it with --target' : '';
  if (target === null) {
    const ranking = rankTargets(question, columns, {
      exclude: [...(group !== null ? [group] : []), ...dates.map((d) => d.name)],
    });
    const best = ranking.candidates.find((c) => c.usable && c.evidence >= 12);
    if (ranking.verdict.kind === 'chosen')
      [target, targetWhy] = [ranking.verdict.column, ranking.verdict.reason];
    else if (best !== undefined) [target, targetWhy] = [best.column, best.reasons.slice(0, 2).join('; ')];
  }
  const cols = `${target !== null ? `target "${target}" (${targetWhy})` : 'no target named'}${group !== null ? `, groups "${group}"` : ''}${date !== null ? `, dates "${date}"` : ''}`;
  const say = (kind: QuestionKind, words: string) => ({
    kind,
    target,
    group,
    date,
    reason: `${words}; ${cols}`,
  });

  // The kind is read from the words around the columns: "monthly_charges" is not "monthly".
  let q = question.trim();
  for (const c of [...columns].sort((a, b) => b.name.length - a.name.length)) {
    const spaced = tokens(c.name).join('[\\s_-]*');
    if (spaced.length > 0) q = q.replace(new RegExp(`\\b${spaced}\\b`, 'gi'), ' COLUMN ');
  }
  const quality = QUALITY.exec(q);
  if (quality !== null && (target === null || /quality|missing|duplicat|clean/i.test(quality[0])))
    return say('quality', `the question is about data quality ("${quality[0].toLowerCase()}")`);
  const trend = TREND.exec(q);
  if (trend !== null && date !== null && target !== null)
    return say(
      'trend',
      `the question asks about change over time ("${trend[0].toLowerCase()}") and the file has dates`,
    );
  const compare = COMPARE.exec(q);
  if (group !== null && target !== null && compare !== null)
    return say('compare', `the question compares groups ("${compare[0].toLowerCase()} ${group}")`);
  const drivers = DRIVERS.exec(q);
  if (drivers !== null && target !== null)
    return say('drivers', `the question asks what moves a target ("${drivers[0].toLowerCase()}")`);
  const dist = DISTRIBUTION.exec(q);
  if (dist !== null)
    return say('distribution', `the question asks how the data is spread ("${dist[0].toLowerCase()}")`);
  if (target !== null)
    return say(
      'drivers',
      'the question names a column and no other kind of question, so the report is about what moves it',
    );
  return say(
    'free',
    'the question names no column and no kind of question, so the report is an overview of the whole table',
  );
}
