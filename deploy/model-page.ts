/**
 * The human page of a model (`GET /models/{name}`): what it predicts, how good it is on the
 * holdout beside the baseline and cross-validation, what it takes, where it came from, how to
 * call it, and a form to try it. Plain server-rendered HTML, every value escaped.
 */
import { binsSvg, confusionTable, curveSvg, residualsSvg } from './chart-svg.ts';
import type { HoldoutCharts } from './holdout-charts.ts';
import type { Importance } from './importance.ts';
import { partialDependenceSection } from './partial-dependence.ts';
import { searchSection } from './search-chart.ts';
import type { LoadedModel } from './loaded-model.ts';

export function escapeHtml(text: unknown): string {
  return String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const LOWER_IS_BETTER = new Set(['log_loss', 'rmse', 'mae', 'mase', 'smape']);

function fmt(x: number): string {
  return Number.isFinite(x) ? (Math.abs(x) >= 1000 ? x.toFixed(1) : x.toPrecision(4)) : String(x);
}

export function curlExample(predictUrl: string, row: Record<string, unknown>, key: string | null): string {
  const body = JSON.stringify([row]).replace(/'/g, `'\\''`);
  return `curl -s -X POST '${predictUrl}' \\\n  -H 'Authorization: Bearer ${key ?? '$OURO_KEY'}' \\\n  -H 'Content-Type: application/json' \\\n  -d '${body}'`;
}

/** Example dates in each format the cleaner reads (deploy/clean-values.ts), so the example validates. */
const EXAMPLE_DATES: Record<string, string> = {
  iso: '2024-01-31',
  dmy: '31/01/2024',
  mdy: '01/31/2024',
  text: 'Jan 31, 2024',
};

/**
 * A row to show in examples (the public model page, the metadata the chat bot quotes), built
 * from the signature alone: never a row of the data, which may be personal. A categorical gets
 * its most frequent training category (the signature lists them by frequency); numbers get 0,
 * since neither the signature nor the card records a typical value; booleans true; dates a
 * fixed date in the column's format.
 */
export function exampleRow(model: Pick<LoadedModel, 'features'>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const f of model.features) {
    if (f.meant === 'categorical') row[f.name] = f.categories?.[0] ?? 'value';
    else if (f.meant === 'boolean') row[f.name] = true;
    else if (f.meant === 'datetime') row[f.name] = EXAMPLE_DATES[f.format ?? 'iso'] ?? EXAMPLE_DATES.iso;
    else if (f.meant === 'text') row[f.name] = 'some free text';
    else row[f.name] = 0;
  }
  return row;
}

/** curl for "the next H values" of a forecasting model. */
export function forecastCurl(
  forecastUrl: string,
  series: string | null,
  horizon: number,
  key: string | null,
): string {
  const body = JSON.stringify({ ...(series !== null ? { series } : {}), horizon }).replace(/'/g, `'\\''`);
  return `curl -s -X POST '${forecastUrl}' \\\n  -H 'Authorization: Bearer ${key ?? '$OURO_KEY'}' \\\n  -H 'Content-Type: application/json' \\\n  -d '${body}'`;
}

/** The forecasting part of the page: the time axis, the chart, the forecast form and curl. */
function forecastSection(model: LoadedModel, forecastUrl: string, chartUrl: string): string {
  const f = model.signature.forecast!;
  const c = model.card;
  const ids = f.series.map((s) => s.id);
  const select =
    f.idColumn !== null
      ? `<label for="series">${escapeHtml(f.idColumn)}</label><select id="series" name="series">${ids
          .slice(0, 500)
          .map((k) => `<option>${escapeHtml(k)}</option>`)
          .join('')}</select>`
      : '';
  return `<h2>Forecast</h2>
<table>
<tr><td>series</td><td>${f.series.length} ${escapeHtml(f.frequencyLabel)} series by <code>${escapeHtml(f.dateColumn)}</code>${f.idColumn ? ` per <code>${escapeHtml(f.idColumn)}</code>` : ''}; the data ends ${escapeHtml(f.series[0]?.last.slice(0, 10) ?? '')}${f.series.length > 1 ? ' (first series)' : ''}</td></tr>
<tr><td>horizon</td><td>${f.horizon} steps by default · season ${f.seasonLength}${f.intervals ? ` · ${f.level}% intervals` : ''}${f.exog.length ? ` · needs future ${f.exog.map((e) => `<code>${escapeHtml(e)}</code>`).join(', ')}` : ''}</td></tr>
</table>
${c.forecast?.chart ? `<p><img src="${escapeHtml(chartUrl)}" alt="forecast against the holdout" style="max-width:100%"></p>` : ''}

<h2>Try it</h2>
<form id="try">
${select}
<label for="horizon">horizon</label><input id="horizon" name="horizon" value="${f.horizon}">
<label for="key">API key</label><input id="key" type="password" autocomplete="off" placeholder="ouro_…">
<button type="submit">Forecast</button>
</form>
<pre id="result" aria-live="polite">The forecast appears here.</pre>

<h2>Call it</h2>
<pre>${escapeHtml(forecastCurl(forecastUrl, f.idColumn !== null ? (ids[0] ?? null) : null, f.horizon, null))}</pre>
<p class="sub">Add <code>"history": [{"date": "…", "value": …}]</code> to forecast from observations newer than the model's data. See docs/api.md.</p>
<script>
document.getElementById('try').addEventListener('submit', async (e) => {
  e.preventDefault();
  const body = { horizon: Number(document.getElementById('horizon').value) };
  const s = document.getElementById('series');
  if (s) body.series = s.value;
  const out = document.getElementById('result');
  out.textContent = '…';
  try {
    const res = await fetch(${JSON.stringify(new URL(forecastUrl).pathname)}, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + document.getElementById('key').value }, body: JSON.stringify(body) });
    out.textContent = res.status + ' ' + JSON.stringify(await res.json(), null, 2);
  } catch (err) { out.textContent = String(err); }
});
</script>`;
}

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

export function renderModelPage(opts: {
  model: LoadedModel;
  versions: number[];
  predictUrl: string;
  example: Record<string, unknown>;
}): string {
  const { model, versions, predictUrl, example } = opts;
  const c = model.card;
  // Only forecasters' signatures carry the series axis.
  const forecasting = model.signature.forecast !== undefined;
  const better = LOWER_IS_BETTER.has(c.metric) ? 'lower is better' : 'higher is better';
  const gap = Math.abs(c.holdout.score - c.cv.mean);
  const otherMetrics = Object.entries(c.holdout.all)
    .filter(([k]) => k !== c.metric)
    .map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(fmt(v))}</td></tr>`)
    .join('');
  const inputs = model.features
    .map((f) => {
      const sig = model.signature.inputs.find((i) => i.name === f.name);
      const cats = f.categories ?? null;
      const note =
        f.meant === 'categorical' && cats !== null
          ? `${cats.slice(0, 12).map(escapeHtml).join(', ')}${cats.length > 12 ? `, … (${cats.length})` : ''}`
          : f.conversion && f.conversion !== 'numeric_text'
            ? `accepts text like ${f.conversion === 'currency' ? '"$1,200"' : f.conversion === 'percent' ? '"12.5%"' : escapeHtml(f.conversion)}`
            : f.meant === 'datetime'
              ? `format ${escapeHtml(f.format ?? 'iso')}`
              : '';
      const steps = model.preprocessing?.[f.name] ?? [];
      return `<tr><td><code>${escapeHtml(f.name)}</code></td><td>${escapeHtml(sig?.dtype ?? f.meant)}</td><td>${note}</td><td class="sub">${steps.map(escapeHtml).join('<br>')}</td></tr>`;
    })
    .join('');
  const fields = model.features
    .map((f) => {
      const value = example[f.name];
      const id = `f-${escapeHtml(f.name)}`;
      const input =
        f.meant === 'categorical' && f.categories && f.categories.length <= 50
          ? `<select id="${id}" name="${escapeHtml(f.name)}">${f.categories.map((k) => `<option${String(value) === k ? ' selected' : ''}>${escapeHtml(k)}</option>`).join('')}<option value="">(missing)</option></select>`
          : `<input id="${id}" name="${escapeHtml(f.name)}" value="${escapeHtml(value ?? '')}">`;
      return `<label for="${id}">${escapeHtml(f.name)}</label>${input}`;
    })
    .join('\n');
  const findings =
    c.findings.length > 0 ? `<ul>${c.findings.map((x) => `<li>${escapeHtml(x)}</li>`).join('')}</ul>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(c.name)} · ouro</title>
<style>
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;max-width:920px;margin:2rem auto;padding:0 1rem;color:#1d2430}
h1{margin:0 0 .2rem;font-size:1.6rem} h2{font-size:1.1rem;margin:1.8rem 0 .5rem;border-bottom:1px solid #e3e6ea;padding-bottom:.2rem}
.sub{color:#5a6472} table{border-collapse:collapse;width:100%} td,th{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #eef0f2;vertical-align:top}
.score{font-size:1.5rem;font-weight:600} .grid{display:grid;grid-template-columns:repeat(3,1fr);gap:1rem}
.card{border:1px solid #e3e6ea;border-radius:8px;padding:.8rem} pre{background:#f5f7f9;padding:.8rem;border-radius:6px;overflow:auto;font-size:13px;white-space:pre-wrap;word-break:break-all}
form{display:grid;grid-template-columns:max-content 1fr;gap:.4rem .8rem;align-items:center} form button{grid-column:2;justify-self:start;padding:.4rem 1rem}
input,select{padding:.3rem;font:inherit} .tag{display:inline-block;background:#eef3ff;color:#2346a0;border-radius:4px;padding:0 .4rem;font-size:.85rem}
</style>
</head>
<body>
<h1>${escapeHtml(c.name)} <span class="tag">v${c.version}</span></h1>
<div class="sub">Predicts <b>${escapeHtml(c.target)}</b> · ${escapeHtml(c.task)}${c.classes ? ` (${c.classes.map(escapeHtml).join(', ')})` : ''} · ${escapeHtml(c.family)}</div>

<h2>How good it is</h2>
<div class="grid">
<div class="card"><div class="sub">holdout ${escapeHtml(c.metric)}</div><div class="score">${escapeHtml(fmt(c.holdout.score))}</div><div class="sub">${c.holdout.rows} rows never seen in training · ${better}</div></div>
<div class="card"><div class="sub">baseline (${forecasting ? 'seasonal naive' : 'predict the prior'})</div><div class="score">${escapeHtml(fmt(c.holdout.baseline))}</div><div class="sub">same holdout rows</div></div>
<div class="card"><div class="sub">cross-validation</div><div class="score">${escapeHtml(fmt(c.cv.mean))} <small>± ${escapeHtml(fmt(c.cv.std))}</small></div><div class="sub">${c.cv.folds} ${forecasting ? 'rolling origins' : 'folds'} on the training split${gap > 2 * Math.max(c.cv.std, 1e-9) ? ' · <b>far from the holdout score</b>' : ''}</div></div>
</div>
${otherMetrics ? `<table><tr><th>other holdout metrics</th><th></th></tr>${otherMetrics}</table>` : ''}
${forecasting ? '' : holdoutChartsSection(model.holdoutCharts, c.target)}
${forecasting ? '' : importanceSection(model.importance)}
${forecasting ? '' : searchSection(model.search ?? null)}
${forecasting ? '' : partialDependenceSection(model.importance?.partialDependence, model.importance?.columns.map((x) => x.name) ?? [], c.classes, c.target)}

${
  forecasting
    ? forecastSection(
        model,
        predictUrl.replace(/\/predict$/, '/forecast'),
        `/models/${encodeURIComponent(c.name)}/forecast.png`,
      )
    : `<h2>Inputs</h2>
<table><tr><th>column</th><th>type</th><th>notes</th><th>what the preprocessing does</th></tr>${inputs}</table>
<p class="sub">Send every column (null for a missing value). Unknown categories are predicted but flagged in <code>warnings</code>; extra columns are ignored.</p>

<h2>Try it</h2>
<form id="try">
${fields}
<label for="key">API key</label><input id="key" type="password" autocomplete="off" placeholder="ouro_…">
<button type="submit">Predict</button>
</form>
<pre id="result" aria-live="polite">The prediction appears here.</pre>

<h2>Call it</h2>
<pre>${escapeHtml(curlExample(predictUrl, example, null))}</pre>
<p class="sub">Also: CSV bodies (<code>Content-Type: text/csv</code>), and the Open Inference Protocol at <code>/v2/models/${escapeHtml(c.name)}/infer</code>. See docs/api.md.</p>`
}

<h2>Where it came from</h2>
<table>
<tr><td>served by</td><td>${escapeHtml(model.pathReason)}</td></tr>
<tr><td>run</td><td><code>${escapeHtml(c.runId)}</code> · ${escapeHtml(c.createdAt)}</td></tr>
<tr><td>data</td><td>${escapeHtml(c.data.file)}: ${c.data.rows} rows, ${c.data.columns} columns (${c.data.trainRows} train / ${c.data.holdoutRows} holdout, seed ${c.data.seed})</td></tr>
<tr><td>search</td><td>${c.experiments.tried} experiment${c.experiments.tried === 1 ? '' : 's'} (${c.experiments.succeeded} ok, ${c.experiments.failed} failed) in ${Math.round(c.durationMs / 1000)} s; the winner's script is <code>${escapeHtml(c.script)}</code></td></tr>
<tr><td>versions</td><td>${versions.map((v) => (v === c.version ? `<b>v${v} (serving)</b>` : `v${v}`)).join(' · ')}</td></tr>
</table>
${findings}
${
  forecasting
    ? ''
    : `
<script>
document.getElementById('try').addEventListener('submit', async (e) => {
  e.preventDefault();
  const row = {};
  for (const el of e.target.querySelectorAll('[name]')) row[el.name] = el.value === '' ? null : el.value;
  const out = document.getElementById('result');
  out.textContent = '…';
  try {
    const res = await fetch(${JSON.stringify(new URL(predictUrl).pathname)}, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + document.getElementById('key').value }, body: JSON.stringify([row]) });
    out.textContent = res.status + ' ' + JSON.stringify(await res.json(), null, 2);
  } catch (err) { out.textContent = String(err); }
});
</script>`
}
</body>
</html>
`;
}
