/**
 * Small inline SVG charts for the model page: labelled axes, the model's line and a dashed
 * baseline, readable without scripts and sized for a column of the page. Values are numbers
 * from host-computed files; text goes through escapeHtml.
 */
import { escapeHtml } from './html-escape.ts';
import type { HoldoutCharts } from './holdout-charts.ts';

const W = 300;
const H = 270;
/** Room under the x axis for the legend, so it never covers the curve. */
const LEGEND = 30;
const PAD = { left: 44, right: 12, top: 26, bottom: 40 };

interface Frame {
  x: (v: number) => number;
  y: (v: number) => number;
}

function frame(x0: number, x1: number, y0: number, y1: number): Frame {
  const sx = (W - PAD.left - PAD.right) / (x1 - x0 || 1);
  const sy = (H - PAD.top - PAD.bottom) / (y1 - y0 || 1);
  return { x: (v) => PAD.left + (v - x0) * sx, y: (v) => H - PAD.bottom - (v - y0) * sy };
}

function tick(v: number): string {
  return Math.abs(v) >= 1000 ? v.toExponential(1) : Number(v.toPrecision(3)).toString();
}

function axes(
  f: Frame,
  x0: number,
  x1: number,
  y0: number,
  y1: number,
  title: string,
  xLabel: string,
  yLabel: string,
): string {
  const ticks = [0, 0.5, 1];
  const xs = ticks.map((t) => x0 + t * (x1 - x0));
  const ys = ticks.map((t) => y0 + t * (y1 - y0));
  return [
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13" font-weight="600">${escapeHtml(title)}</text>`,
    `<rect x="${PAD.left}" y="${PAD.top}" width="${W - PAD.left - PAD.right}" height="${H - PAD.top - PAD.bottom}" fill="none" stroke="#c9ced6"/>`,
    ...xs.map(
      (v) =>
        `<text x="${f.x(v).toFixed(1)}" y="${H - PAD.bottom + 14}" text-anchor="middle" font-size="10">${tick(v)}</text>`,
    ),
    ...ys.map(
      (v) =>
        `<text x="${PAD.left - 4}" y="${(f.y(v) + 3).toFixed(1)}" text-anchor="end" font-size="10">${tick(v)}</text>`,
    ),
    `<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 6}" text-anchor="middle" font-size="11">${escapeHtml(xLabel)}</text>`,
    `<text transform="translate(11 ${(PAD.top + H - PAD.bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="11">${escapeHtml(yLabel)}</text>`,
  ].join('');
}

function path(f: Frame, points: readonly (readonly [number, number])[]): string {
  return points
    .map(([a, b], i) => `${i === 0 ? 'M' : 'L'}${f.x(a).toFixed(1)} ${f.y(b).toFixed(1)}`)
    .join(' ');
}

function legend(model: string, baseline: string): string {
  return `<text x="${PAD.left}" y="${H + 10}" font-size="10" fill="#2f5bd3">${escapeHtml(model)}</text><text x="${PAD.left}" y="${H + 24}" font-size="10" fill="#6b7480">${escapeHtml(baseline)}</text>`;
}

function svg(label: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H + LEGEND}" width="${W}" height="${H + LEGEND}" role="img" aria-label="${escapeHtml(label)}" font-family="system-ui,sans-serif" fill="#1d2430">${body}</svg>`;
}

/** A curve in the unit square with a dashed baseline and a legend. */
export function curveSvg(opts: {
  title: string;
  xLabel: string;
  yLabel: string;
  points: readonly (readonly [number, number])[];
  baseline: readonly (readonly [number, number])[];
  baselineLabel: string;
  modelLabel: string;
}): string {
  const f = frame(0, 1, 0, 1);
  return svg(
    opts.title,
    [
      axes(f, 0, 1, 0, 1, opts.title, opts.xLabel, opts.yLabel),
      `<path d="${path(f, opts.baseline)}" fill="none" stroke="#9aa3ae" stroke-dasharray="4 3"/>`,
      `<path d="${path(f, opts.points)}" fill="none" stroke="#2f5bd3" stroke-width="2"/>`,
      legend(`— ${opts.modelLabel}`, `- - ${opts.baselineLabel}`),
    ].join(''),
  );
}

/** Mean actual against mean predicted per decile of the prediction, with the line where they are equal (also the calibration curve, in [0, 1]). */
export function binsSvg(
  bins: readonly { actual: number; predicted: number; rows: number }[],
  target: string,
  opts: { title?: string; xLabel?: string; yLabel?: string; unit?: boolean } = {},
): string {
  const values = bins.flatMap((b) => [b.actual, b.predicted]);
  const lo = opts.unit ? 0 : Math.min(...values);
  const hi = opts.unit ? 1 : Math.max(...values);
  const f = frame(lo, hi, lo, hi);
  const points = bins.map((b) => [b.predicted, b.actual] as const);
  const title = opts.title ?? 'Predicted vs actual (holdout deciles)';
  return svg(
    title,
    [
      axes(
        f,
        lo,
        hi,
        lo,
        hi,
        title,
        opts.xLabel ?? `mean predicted ${target}`,
        opts.yLabel ?? `mean actual ${target}`,
      ),
      `<path d="${path(f, [
        [lo, lo],
        [hi, hi],
      ])}" fill="none" stroke="#9aa3ae" stroke-dasharray="4 3"/>`,
      `<path d="${path(f, points)}" fill="none" stroke="#2f5bd3" stroke-width="1.5"/>`,
      ...points.map(
        ([p, a]) => `<circle cx="${f.x(p).toFixed(1)}" cy="${f.y(a).toFixed(1)}" r="3" fill="#2f5bd3"/>`,
      ),
      legend(
        `— this model, ${bins.length} bins of ${bins[0]?.rows ?? 0}+ rows`,
        opts.unit ? '- - perfectly calibrated' : '- - predicted = actual',
      ),
    ].join(''),
  );
}

/** Residuals (mean actual − mean predicted) per decile of the prediction, around a zero line. */
export function residualsSvg(
  bins: readonly { actual: number; predicted: number; rows: number }[],
  target: string,
): string {
  const xs = bins.map((b) => b.predicted);
  const rs = bins.map((b) => b.actual - b.predicted);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const m = Math.max(1e-9, ...rs.map(Math.abs));
  const f = frame(x0, x1, -m, m);
  const title = 'Residuals (holdout deciles)';
  return svg(
    title,
    [
      axes(f, x0, x1, -m, m, title, `mean predicted ${target}`, 'mean actual − predicted'),
      `<path d="${path(f, [
        [x0, 0],
        [x1, 0],
      ])}" fill="none" stroke="#9aa3ae" stroke-dasharray="4 3"/>`,
      ...bins.map(
        (b, i) =>
          `<line x1="${f.x(xs[i]!).toFixed(1)}" y1="${f.y(0).toFixed(1)}" x2="${f.x(xs[i]!).toFixed(1)}" y2="${f.y(rs[i]!).toFixed(1)}" stroke="#2f5bd3" stroke-width="2"/><circle cx="${f.x(xs[i]!).toFixed(1)}" cy="${f.y(rs[i]!).toFixed(1)}" r="3" fill="#2f5bd3"/>`,
      ),
      legend(`— this model, ${bins.length} bins of ${bins[0]?.rows ?? 0}+ rows`, '- - no bias'),
    ].join(''),
  );
}

/** The confusion matrix as a shaded table: rows are the actual class, columns the predicted one. */
export function confusionTable(confusion: NonNullable<HoldoutCharts['confusion']>): string {
  const { classes, counts } = confusion;
  const top = Math.max(1, ...counts.flat());
  const head = `<tr><th>actual ↓ / predicted →</th>${classes.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
  const rows = counts
    .map(
      (row, i) =>
        `<tr><th>${escapeHtml(classes[i])}</th>${row.map((v, j) => `<td style="background:rgba(47,91,211,${(0.08 + (0.6 * v) / top).toFixed(3)});${i === j ? 'font-weight:600' : ''}">${v}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<table class="confusion" style="width:auto">${head}${rows}</table>`;
}

/** A line over numeric x values (partial dependence): y on its own range, each point marked. */
export function lineSvg(opts: {
  title: string;
  xLabel: string;
  yLabel: string;
  points: readonly (readonly [number, number])[];
  legend: string;
}): string {
  const xs = opts.points.map(([x]) => x);
  const ys = opts.points.map(([, y]) => y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y1 - y0 < 1e-9) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const f = frame(x0, x1, y0, y1);
  return svg(
    opts.title,
    [
      axes(f, x0, x1, y0, y1, opts.title, opts.xLabel, opts.yLabel),
      `<path d="${path(f, opts.points)}" fill="none" stroke="#2f5bd3" stroke-width="2"/>`,
      ...opts.points.map(
        ([x, y]) => `<circle cx="${f.x(x).toFixed(1)}" cy="${f.y(y).toFixed(1)}" r="2.5" fill="#2f5bd3"/>`,
      ),
      legend(`— ${opts.legend}`, ''),
    ].join(''),
  );
}
