/** The forecasting part of the model page (deploy/model-page.ts). */
import { escapeHtml } from './html-escape.ts';
import type { LoadedModel } from './loaded-model.ts';
import { forecastCurl } from './model-examples.ts';

/** The forecasting part of the page: the time axis, the chart, the forecast form and curl. */
export function forecastSection(model: LoadedModel, forecastUrl: string, chartUrl: string): string {
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
