/** The model page's chart sections (deploy/model-page.ts): permutation importance and the holdout pictures. */
import { binsSvg, confusionTable, curveSvg, residualsSvg } from './chart-svg.ts';
import type { HoldoutCharts } from './holdout-charts.ts';
import { escapeHtml, fmt } from './html-escape.ts';
import type { Importance } from './importance.ts';

/** Permutation importance as labelled bars (plain HTML: readable without scripts, sized by the page). */
export function importanceSection(importance: Importance | null, top = 15): string {
  if (importance === null || importance.columns.length === 0) return '';
  const shown = importance.columns.slice(0, top);
  const largest = Math.max(...shown.map((c) => c.mean), 1e-12);
  const rows = shown
    .map((c) => {
      const width = Math.max(0, Math.min(100, (c.mean / largest) * 100));
      return `<tr><td><code>${escapeHtml(c.name)}</code></td><td style="width:55%"><div style="background:#4a6fd1;height:.8rem;width:${width.toFixed(1)}%" role="img" aria-label="${escapeHtml(fmt(c.mean))}"></div></td><td>${escapeHtml(fmt(c.mean))} <span class="sub">± ${escapeHtml(fmt(c.std))}</span></td></tr>`;
    })
    .join('');
  const more =
    importance.columns.length > top
      ? ` The other ${importance.columns.length - top} columns matter less.`
      : '';
  return `<h2>What it relies on</h2>
<table><tr><th>column</th><th>permutation importance</th><th>${escapeHtml(importance.metric)} worse by</th></tr>${rows}</table>
<p class="sub">How much the holdout ${escapeHtml(importance.metric)} (${escapeHtml(fmt(importance.score))} on these ${importance.rows} rows) worsens when one column's values are shuffled among the holdout rows, the mean ± standard deviation of ${importance.repeats} shuffles. Near 0: the model gets little from the column that it cannot get from the others. The model predicted the shuffled rows in its sandbox; the scores were computed outside it, where the labels stay.${more}</p>`;
}

/** The holdout pictures: ROC and PR with their no-skill baselines, the confusion matrix, or predicted vs actual. */
export function holdoutChartsSection(charts: HoldoutCharts | null, target: string): string {
  if (charts === null || charts.rows === 0) return '';
  const parts: string[] = [];
  if (charts.roc !== null && charts.pr !== null && charts.positive !== null) {
    parts.push(
      curveSvg({
        title: `ROC (positive: ${charts.positive})`,
        xLabel: 'false positive rate',
        yLabel: 'true positive rate',
        points: charts.roc,
        baseline: [
          [0, 0],
          [1, 1],
        ],
        baselineLabel: 'random ranking',
        modelLabel: 'this model',
      }),
    );
    const prevalence = charts.prevalence ?? 0;
    parts.push(
      curveSvg({
        title: 'Precision-recall',
        xLabel: 'recall',
        yLabel: 'precision',
        points: charts.pr,
        baseline: [
          [0, prevalence],
          [1, prevalence],
        ],
        baselineLabel: `random ranking (${(prevalence * 100).toFixed(1)} % positive)`,
        modelLabel: 'this model',
      }),
    );
  }
  if (charts.calibration != null && charts.calibration.length > 1 && charts.positive !== null) {
    parts.push(
      binsSvg(charts.calibration, target, {
        title: 'Calibration (holdout deciles)',
        xLabel: `mean predicted P(${charts.positive})`,
        yLabel: `share of ${charts.positive}`,
        unit: true,
      }),
    );
  }
  if (charts.bins !== null && charts.bins.length > 0)
    parts.push(binsSvg(charts.bins, target), residualsSvg(charts.bins, target));
  const confusion =
    charts.confusion !== null
      ? `<p class="sub">Confusion matrix at the labels the model serves (the most probable class):</p>${confusionTable(charts.confusion)}`
      : '';
  return `<h2>On the holdout</h2>
<div style="display:flex;flex-wrap:wrap;gap:1rem">${parts.join('')}</div>
${confusion}
<p class="sub">${charts.rows} holdout rows, predicted by the model in its sandbox and compared with their labels outside it. Only aggregates are drawn: this page is public.</p>`;
}
