/**
 * The search over time, for the model page: every experiment of the run in the order it
 * started, its cross-validation score (the journal's, a host file: runs/<id>/journal.json), the
 * best so far as a step line, and the served experiment marked. Failed experiments sit on the
 * axis as crosses, so a reader sees what the search cost as well as what it found.
 */
import { readJsonIfExists } from '../core/store/json-file.ts';
import { runPaths } from '../core/run-paths.ts';
import { JournalSchema } from '../core/schemas/journal.ts';
import { higherIsBetter, type Metric } from '../core/schemas/task.ts';
import { escapeHtml } from './html-escape.ts';

export interface SearchPoint {
  /** 1-based, in start order. */
  index: number;
  family: string;
  score: number | null;
  winner: boolean;
}

export interface SearchSummary {
  metric: string;
  higherIsBetter: boolean;
  points: SearchPoint[];
}

/** From the run's journal; null when the run folder is not on this host (a deploy replica) or unreadable. */
export async function readSearch(home: string, runId: string, metric: Metric): Promise<SearchSummary | null> {
  const journal = await readJsonIfExists(runPaths(home, runId).journal, JournalSchema).catch(() => null);
  if (journal === null || journal.nodes.length === 0) return null;
  const nodes = [...journal.nodes].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  return {
    metric,
    higherIsBetter: higherIsBetter(metric),
    points: nodes.map((n, i) => ({
      index: i + 1,
      family: n.recipe.family,
      score: n.status === 'succeeded' && n.cv !== null ? n.cv.mean : null,
      winner: n.id === journal.bestNodeId,
    })),
  };
}

export function searchSection(search: SearchSummary | null): string {
  if (search === null) return '';
  const scored = search.points.filter(
    (p): p is SearchPoint & { score: number } => p.score !== null && Number.isFinite(p.score),
  );
  if (scored.length < 2) return '';
  const better = (a: number, b: number) => (search.higherIsBetter ? a > b : a < b);
  const best: (readonly [number, number])[] = [];
  let so = scored[0]!.score;
  for (const p of scored) {
    if (better(p.score, so)) so = p.score;
    best.push([p.index, so]);
  }
  const ys = best.map(([, y]) => y).concat(scored.map((p) => p.score));
  const chart = scatterWithLine(
    scored.map((p) => [p.index, p.score] as const),
    best,
    scored.findIndex((p) => p.winner),
    Math.min(...ys),
    Math.max(...ys),
    `cross-validated ${search.metric}`,
  );
  const failed = search.points.length - scored.length;
  const winner = scored.find((p) => p.winner);
  return `<h2>How the search went</h2>
<div>${chart}</div>
<p class="sub">${search.points.length} experiments${failed > 0 ? ` (${failed} failed or without a score)` : ''}; dots are each experiment's cross-validated ${escapeHtml(search.metric)} (${search.higherIsBetter ? 'higher' : 'lower'} is better), the line the best so far${winner !== undefined ? `, the ring the served model (experiment ${winner.index}, ${escapeHtml(winner.family)})` : ''}.</p>`;
}

const W = 300;
const H = 270;
const PAD = { left: 44, right: 12, top: 26, bottom: 40 };

/** Every experiment as a dot, the best so far as a line, the served one ringed. */
function scatterWithLine(
  points: (readonly [number, number])[],
  line: (readonly [number, number])[],
  winner: number,
  lo: number,
  hi: number,
  yLabel: string,
): string {
  const xs = points.map(([x]) => x);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = hi - lo < 1e-12 ? [lo - 0.5, hi + 0.5] : [lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)];
  const fx = (v: number) => PAD.left + ((v - x0) / (x1 - x0 || 1)) * (W - PAD.left - PAD.right);
  const fy = (v: number) => H - PAD.bottom - ((v - y0) / (y1 - y0 || 1)) * (H - PAD.top - PAD.bottom);
  const t = (v: number) => (Math.abs(v) >= 1000 ? v.toExponential(1) : Number(v.toPrecision(3)).toString());
  const d = line
    .map(([a, b], i) => `${i === 0 ? 'M' : 'L'}${fx(a).toFixed(1)} ${fy(b).toFixed(1)}`)
    .join(' ');
  const w = winner >= 0 ? points[winner] : undefined;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H + 30}" width="${W}" height="${H + 30}" role="img" aria-label="The search, experiment by experiment" font-family="system-ui,sans-serif" fill="#1d2430">` +
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13" font-weight="600">The search, experiment by experiment</text>` +
    `<rect x="${PAD.left}" y="${PAD.top}" width="${W - PAD.left - PAD.right}" height="${H - PAD.top - PAD.bottom}" fill="none" stroke="#c9ced6"/>` +
    [x0, x1]
      .map(
        (v) =>
          `<text x="${fx(v).toFixed(1)}" y="${H - PAD.bottom + 14}" text-anchor="middle" font-size="10">${v}</text>`,
      )
      .join('') +
    [y0, (y0 + y1) / 2, y1]
      .map(
        (v) =>
          `<text x="${PAD.left - 4}" y="${(fy(v) + 3).toFixed(1)}" text-anchor="end" font-size="10">${t(v)}</text>`,
      )
      .join('') +
    `<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 6}" text-anchor="middle" font-size="11">experiment (in start order)</text>` +
    `<text transform="translate(11 ${(PAD.top + H - PAD.bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="11">${escapeHtml(yLabel)}</text>` +
    `<path d="${d}" fill="none" stroke="#2f5bd3" stroke-width="1.5"/>` +
    points
      .map(([a, b]) => `<circle cx="${fx(a).toFixed(1)}" cy="${fy(b).toFixed(1)}" r="2.5" fill="#6b7480"/>`)
      .join('') +
    (w !== undefined
      ? `<circle class="winner" cx="${fx(w[0]).toFixed(1)}" cy="${fy(w[1]).toFixed(1)}" r="6" fill="none" stroke="#d3452f" stroke-width="2"/>`
      : '') +
    `<text x="${PAD.left}" y="${H + 10}" font-size="10" fill="#2f5bd3">— best so far · <tspan fill="#6b7480">● an experiment</tspan> · <tspan fill="#d3452f">○ served</tspan></text></svg>`
  );
}
