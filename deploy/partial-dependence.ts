/**
 * Partial dependence of the most important columns (Friedman 2001), for the model page: the
 * sandboxed permutation step also predicts up to 200 holdout rows with one column set to each
 * value of a grid in turn (sandbox/python/ouro_harness/permute.py, features only, no label)
 * and averages; the host keeps it beside the permutation importance and draws the columns that
 * importance ranks first.
 */
import { z } from 'zod';
import { lineSvg } from './chart-svg.ts';
import { escapeHtml } from './html-escape.ts';

export const PartialDependenceSchema = z.object({
  rows: z.number().int().min(1),
  columns: z.record(
    z.string(),
    z.object({
      kind: z.enum(['numeric', 'categorical']),
      grid: z
        .array(z.union([z.number(), z.string()]))
        .min(2)
        .max(50),
      /** Per grid value: the mean prediction (regression) or the mean probability of each class. */
      mean: z
        .array(z.union([z.number(), z.array(z.number())]))
        .min(2)
        .max(50),
    }),
  ),
});
export type PartialDependence = z.infer<typeof PartialDependenceSchema>;

function fmt(v: number): string {
  return Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0)
    ? v.toExponential(2)
    : Number(v.toPrecision(3)).toString();
}

/** The values to draw: the prediction, or for classification the probability of one class (binary: the second; multiclass: the one this column moves most). */
function series(
  mean: (number | number[])[],
  classes: string[] | null,
): { values: number[]; label: string } | null {
  if (mean.every((m) => typeof m === 'number')) return { values: mean as number[], label: 'mean prediction' };
  const rows = mean.filter((m): m is number[] => Array.isArray(m));
  if (rows.length !== mean.length || classes === null || rows.some((r) => r.length !== classes.length))
    return null;
  let best = classes.length === 2 ? 1 : 0;
  if (classes.length > 2) {
    let spread = -1;
    for (let k = 0; k < classes.length; k++) {
      const col = rows.map((r) => r[k]!);
      const s = Math.max(...col) - Math.min(...col);
      if (s > spread) [spread, best] = [s, k];
    }
  }
  return { values: rows.map((r) => r[best]!), label: `mean P(${classes[best]})` };
}

/** Up to `top` columns, in the order given (importance's), as small charts (numeric) or tables (categories). */
export function partialDependenceSection(
  pd: PartialDependence | undefined,
  order: string[],
  classes: string[] | null,
  target: string,
  top = 3,
): string {
  if (pd === undefined) return '';
  const shown = order.filter((c) => pd.columns[c] !== undefined).slice(0, top);
  const parts: string[] = [];
  for (const name of shown) {
    const col = pd.columns[name]!;
    const s = series(col.mean, classes);
    if (s === null || s.values.length !== col.grid.length) continue;
    if (col.kind === 'numeric' && col.grid.every((g) => typeof g === 'number')) {
      const points = (col.grid as number[]).map((g, i) => [g, s.values[i]!] as const);
      parts.push(
        `<div>${lineSvg({ title: `How ${name} moves ${target}`, xLabel: name, yLabel: s.label, points, legend: `${s.label}, ${pd.rows} holdout rows` })}</div>`,
      );
    } else {
      const rows = col.grid
        .map((g, i) => `<tr><td>${escapeHtml(String(g))}</td><td>${escapeHtml(fmt(s.values[i]!))}</td></tr>`)
        .join('');
      parts.push(
        `<div><table style="width:auto"><tr><th>${escapeHtml(name)}</th><th>${escapeHtml(s.label)}</th></tr>${rows}</table></div>`,
      );
    }
  }
  if (parts.length === 0) return '';
  return `<h2>How the top columns move the prediction</h2>
<div style="display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start">${parts.join('')}</div>
<p class="sub">Partial dependence: ${pd.rows} holdout rows predicted with the column set to each value in turn, the other columns as they were, and the predictions averaged. It shows what the model does with the column, not cause and effect; correlated columns share their effect.</p>`;
}
