import type { ColumnProfile } from '../../core/schemas/profile.ts';
import type { TaskHint } from './goal-words.ts';
import {
  continuous,
  findName,
  namedValues,
  numericColumn,
  partialName,
  type GoalReading,
} from './goal-evidence.ts';
import type { RankOptions, TargetCandidate } from './rank-targets.ts';

/**
 * One column's score as the target of a goal (rank-targets.ts ranks them): the evidence the
 * goal gives for it, then its fitness as a target for the task the wording asks for.
 */

const LABEL_LIKE =
  /^(target|label|class|classe|y|outcome|result|status|response|churn|default|survived|diagnosis|type|category|flag|decision)$/i;
const YES_NO = new Set(['yes', 'no', 'true', 'false', 'y', 'n', 't', 'f', '0', '1']);

/** Why a column cannot be a target, or undefined when it can. */
function unusableWhy(c: ColumnProfile, o: RankOptions): string | undefined {
  if (c.meant === 'constant')
    return `it holds a single value${c.samples[0] !== undefined ? ` ("${c.samples[0]}")` : ''}, so there is nothing to learn`;
  if (c.meant === 'empty') return 'it is empty';
  if (c.meant === 'id') return 'it is an identifier (a different value on every row)';
  if (c.meant === 'text') return 'it is free text, not a label';
  if (c.meant === 'datetime' || c.conversion === 'datetime') return 'it holds dates';
  if (o.numericOnly === true && !numericColumn(c))
    return `a forecast needs numbers and it holds ${c.meant} values`;
  return undefined;
}

export function scoreColumn(
  r: GoalReading,
  c: ColumnProfile,
  index: number,
  count: number,
  hint: TaskHint | null,
  o: RankOptions,
): Scored {
  const reasons: [number, string][] = [];
  let evidence = 0;
  const add = (points: number, why: string, fromGoal: boolean) => {
    reasons.push([points, why]);
    if (fromGoal) evidence += points;
  };
  const inFeatures = (at: number) => at >= r.featureFrom;
  const answers = (at: number) =>
    r.answerAt >= 0 && at >= r.answerAt && at <= r.answerAt + 3 && at < r.featureFrom;

  const name = findName(r, c.name);
  let span: [number, number] | undefined;
  if (name !== null) {
    span = [name.at, name.at + name.word.split(' ').length];
    const base = name.how === 'name' ? 50 : 40;
    const says =
      name.how === 'name' ? `the goal names it ("${name.word}")` : `"${name.word}" means ${c.name}`;
    if (inFeatures(name.at))
      add(base - 35, `${says}, but among the inputs ("${r.words[r.featureFrom - 1] ?? 'from'} …")`, true);
    else add(base + (answers(name.at) ? 10 : 0), says, true);
  } else {
    const partial = partialName(r, c.name);
    if (partial !== null && !inFeatures(partial.at))
      add(
        Math.round(30 * partial.share),
        `the goal shares the word${partial.words.length > 1 ? 's' : ''} "${partial.words.join('", "')}" with it`,
        true,
      );
  }

  const values = namedValues(r, c);
  const distinctive = values.filter((v) => !YES_NO.has(v.toLowerCase()));
  if (distinctive.length >= 2) {
    const all = c.unique <= 5 && distinctive.length >= c.unique;
    add(
      all ? 55 : 45,
      `its values ${all ? 'are exactly' : 'include'} ${distinctive.map((v) => `"${v}"`).join(' and ')}, named in the goal`,
      true,
    );
  } else if (distinctive.length === 1 && c.unique <= 5) {
    add(30, `"${distinctive[0]}", named in the goal, is one of its ${c.unique} values`, true);
  } else if (values.length >= 2) {
    add(5, `its values are ${values.map((v) => `"${v}"`).join('/')}`, true);
  }

  const why = unusableWhy(c, o);
  if (why !== undefined) {
    return {
      column: c.name,
      score: evidence,
      evidence,
      reasons: reasons.sort((a, b) => b[0] - a[0]).map(([, s]) => s),
      usable: false,
      unusable: why,
      ...(span ? { span } : {}),
    };
  }

  // Fitness for the task the wording asks for.
  const classes = c.unique <= 20 || !numericColumn(c);
  if (hint === 'classification') {
    if (continuous(c))
      add(-25, `a continuous number (${c.unique} values) is a poor answer to a classification`, false);
    else if (classes) add(8, `${c.unique} classes fit a classification`, false);
  } else if (hint === 'regression' || hint === 'count') {
    if (!numericColumn(c)) add(-20, `it holds ${c.meant} values, and the goal asks for an amount`, false);
    else if (c.unique > 10) add(8, 'a number with many values fits the question', false);
    if (hint === 'count' && numericColumn(c) && c.samples.every((s) => /^\d+$/.test(s.trim())))
      add(4, 'whole numbers fit "how many"', false);
  }
  if (!numericColumn(c) && c.unique > 50) add(-15, `${c.unique} categories are too many classes`, false);
  if (c.missingShare > 0.5) add(-10, `${Math.round(c.missingShare * 100)} % of it is missing`, false);

  // Weak priors, for ordering the question's candidates more than for deciding.
  if (LABEL_LIKE.test(c.name.trim())) add(4, 'a name labels often have', false);
  if (index === count - 1) add(3, 'the last column, where labels often are', false);
  else if (index === 0) add(2, 'the first column, where labels sometimes are', false);

  const score = reasons.reduce((s, [p]) => s + p, 0);
  return {
    column: c.name,
    score,
    evidence,
    reasons: reasons.sort((a, b) => Math.abs(b[0]) - Math.abs(a[0])).map(([, s]) => s),
    usable: true,
    ...(span ? { span } : {}),
  };
}

export type Scored = TargetCandidate & { span?: [number, number] };

/** "sale price" names sale_price, not price: a name inside a longer named name gives way to it. */
export function preferLongerNames(scored: Scored[]): void {
  for (const c of scored) {
    const inner = c.span;
    if (inner === undefined) continue;
    const outer = scored.find(
      (o) =>
        o !== c &&
        o.span !== undefined &&
        o.span[0] <= inner[0] &&
        o.span[1] >= inner[1] &&
        o.span[1] - o.span[0] > inner[1] - inner[0],
    );
    if (outer === undefined) continue;
    c.score -= 30;
    c.evidence -= 30;
    c.reasons.push(`its name is part of the longer name "${outer.column}" in the goal`);
  }
}
