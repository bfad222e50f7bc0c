import type { Ledger } from './findings-ledger.ts';

/** The report's three highlights: the findings that answer the question's kind first. */
export function topHighlights(ledger: Ledger, kind: string): { text: string; finding: string }[] {
  const order: Record<string, string[]> = {
    drivers: ['driver', 'partial_dependence', 'segment'],
    compare: ['comparison', 'group'],
    trend: ['trend', 'comparison'],
    quality: ['quality'],
  };
  const kinds = order[kind] ?? ['summary', 'distribution', 'association'];
  const picked = kinds.flatMap((k) => ledger.claims.filter((c) => c.kind === k));
  return picked.slice(0, 3).map((c) => ({ text: c.text, finding: c.id }));
}

/** The report's three charts, those that answer the question's kind first. */
export function topCharts(ledger: Ledger, kind: string): { path: string; title: string }[] {
  const prefer =
    kind === 'drivers'
      ? ['importance', 'pd-', 'segments']
      : kind === 'compare'
        ? ['-by-']
        : kind === 'trend'
          ? ['over-time']
          : [''];
  const all = ledger.entries.flatMap((e) =>
    e.findings.charts.map((c) => ({ path: `analyses/${e.id}/${c.file}`, title: c.title })),
  );
  const ranked = prefer.flatMap((p) => all.filter((c) => c.path.includes(p)));
  return [...new Set([...ranked, ...all])].slice(0, 3);
}
