import type { JournalNode } from '../../core/schemas/journal.ts';

const OPERATOR_WORDS: Record<string, string> = {
  draft: 'drafts',
  fix: 'fixes',
  improve: 'improvements',
  tune: 'tuning',
  search: 'search',
  ensemble: 'blends',
};

/** One line for the transcript: where the budget went, phase by phase. */
export function whereTheTimeWent(t: {
  profileMs: number;
  splitMs: number;
  validationMs: number;
  totalMs: number;
  budgetMs: number;
  nodes: readonly JournalNode[];
  resumed: boolean;
}): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const parts = t.resumed ? [] : [`reading and profiling ${s(t.profileMs)}`, `splitting ${s(t.splitMs)}`];
  for (const op of Object.keys(OPERATOR_WORDS)) {
    const ran = t.nodes.filter((n) => n.operator === op);
    if (ran.length > 0)
      parts.push(`${OPERATOR_WORDS[op]} ${s(ran.reduce((sum, n) => sum + n.durationMs, 0))} (${ran.length})`);
  }
  parts.push(`validation ${s(t.validationMs)}`);
  const left = t.budgetMs - t.totalMs;
  return `Where the time went: ${parts.join(', ')}; ${s(t.totalMs)} of the ${s(t.budgetMs)} budget${left > 0 ? `, ${s(left)} unused` : ''}.`;
}
