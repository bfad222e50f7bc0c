import type { DataCard } from './schemas/data-card.ts';

/** The data card's words, shared by the terminal, the threads and data-card.md (docs/architecture.md, "Synthetic data"). */

const num = (n: number | null | undefined, digits = 3) =>
  n === null || n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(digits);
const pct = (n: number | null | undefined) =>
  n === null || n === undefined || !Number.isFinite(n) ? 'n/a' : `${(n * 100).toFixed(0)} %`;

/** The card's numbers as label/value pairs: the same lines in the terminal, the thread and data-card.md. */
export function dataCardFacts(card: DataCard): [string, string][] {
  const u = card.utility;
  const p = card.privacy;
  const f = card.fidelity;
  const utility =
    card.purpose === 'augment'
      ? `${u.metric} ${num(u.synthetic)} with the new rows vs ${num(u.real)} real alone (${u.gain !== null && u.gain >= 0 ? '+' : ''}${num(u.gain)})`
      : `${u.metric} ${num(u.synthetic)} trained on synthetic vs ${num(u.real)} on real (${pct(u.ratio)} of real)`;
  return [
    ['purpose', `${card.purpose === 'augment' ? 'augmentation' : 'shareable stand-in'} — ${card.purposeWhy}`],
    ['generator', `${card.generator.label} (${card.generator.id}), best of ${card.tried.length} tried`],
    [
      'rows',
      `${card.rows.toLocaleString('en-US')} synthetic rows × ${card.columns.length} columns${card.augmentedClass !== null ? ` of class "${card.augmentedClass}"` : ''}, learned from ${card.source.trainRows} real rows (${card.source.holdoutRows} held back)`,
    ],
    ['utility', `${utility}; holdout of ${card.source.holdoutRows} real rows, target "${card.target}"`],
    [
      'fidelity',
      `column distance ${num(f.meanColumnDistance)} · association gap ${num(f.associationGap)} · real-vs-synthetic AUC ${num(f.discriminatorAuc)} (0.5 = indistinguishable)`,
    ],
    [
      'privacy',
      `exact copies of real rows: ${p.copiesDropped} dropped, 0 left · closest-record distance ${num(p.dcrRatio, 2)}× that of unseen real rows · ${pct(p.closerThanHoldout5pct)} closer than the nearest 5 % of unseen rows`,
    ],
    [
      'rare values',
      `${p.rareCategoriesReproduced} of ${p.rareCategories} rare categories and ${p.outlierValuesReproduced} of ${p.outlierValues} outlier values reappear`,
    ],
  ];
}

/** data-card.md beside the dataset. */
export function dataCardMarkdown(card: DataCard): string {
  const rows = card.tried.map(
    (t) =>
      `| ${t.id} | ${t.label} | ${t.status} | ${num(t.score)} | ${num(t.utility)} | ${num(t.discriminatorAuc)} | ${num(t.dcrRatio, 2)} | ${t.copiesDropped ?? 'n/a'} | ${t.seconds.toFixed(1)} |`,
  );
  return [
    `# Data card: ${card.files.data}`,
    '',
    ...dataCardFacts(card).map(([k, v]) => `- **${k}**: ${v}`),
    ...card.withheld.map((w) => `- **withheld** ${w.column}: ${w.why}`),
    '',
    `![real vs synthetic](${card.files.chart ?? ''})`,
    '',
    '## Generators tried',
    '',
    '| id | generator | status | score | utility | disc. AUC | DCR ratio | copies dropped | seconds |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    '## What the checks show and what they cannot',
    '',
    ...card.caveats.map((c) => `- ${c}`),
    '',
    `Re-create it: \`python ${card.files.script}\` (see the script's header).`,
    '',
  ].join('\n');
}
