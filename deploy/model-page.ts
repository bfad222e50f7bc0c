/**
 * The human page of a model (`GET /models/{name}`): what it predicts, how good it is on the
 * holdout beside the baseline and cross-validation, what it takes, where it came from, how to
 * call it, and a form to try it. Plain server-rendered HTML, every value escaped.
 */
import { forecastSection } from './forecast-section.ts';
import { escapeHtml, fmt } from './html-escape.ts';
import type { LoadedModel } from './loaded-model.ts';
import { curlExample } from './model-examples.ts';
import { holdoutChartsSection, importanceSection } from './model-page-charts.ts';
import { partialDependenceSection } from './partial-dependence.ts';
import { searchSection } from './search-chart.ts';

const LOWER_IS_BETTER = new Set(['log_loss', 'rmse', 'mae', 'mase', 'smape']);

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
