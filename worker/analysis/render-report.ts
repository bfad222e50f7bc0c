import type { Caveat, Claim, Ledger } from './findings-ledger.ts';
import type { CheckResult } from './number-checker.ts';
import type { AnalysisIntent } from './understand-question.ts';

/**
 * The report (docs/architecture.md, "Analysis reports"): the answer first, then the evidence
 * analysis by analysis (every claim with its id, charts inline, each chart's table a link),
 * the caveats, and a methods appendix listing each script. Markdown and HTML from the same
 * parts; every number in them is a ledger number (the answer passed the number checker, the
 * evidence is the claims' own text).
 */
export interface ReportParts {
  id: string;
  question: string;
  intent: AnalysisIntent;
  createdAt: string;
  file: string;
  answer: CheckResult;
  discussion: CheckResult;
  ledger: Ledger;
  analyst: 'heuristic' | 'llm';
}

const CAUSATION =
  'These are associations in this data, not causes: a column that moves with the outcome may be a consequence of it, or share a cause with it. Only an experiment (or a design that rules out the alternatives) shows what changing a column would do.';

export function esc(text: unknown): string {
  return String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** Markdown text that cannot open links, images or HTML: brackets and angle brackets escaped. */
function md(text: string): string {
  return text.replace(/([\\`*_[\]<>|])/g, '\\$1');
}

function caveatsOf(parts: ReportParts): Caveat[] {
  const all = parts.ledger.caveats;
  const seen = new Set<string>();
  return all.filter((c) => (seen.has(c.text) ? false : (seen.add(c.text), true)));
}

function methodLine(c: Claim): string {
  const bits = [
    c.method,
    c.n !== null && c.n !== undefined ? `n = ${c.n}` : '',
    c.effect ? `${c.effect.name}` : '',
  ].filter((b) => b.length > 0);
  return bits.join('; ');
}

export function renderMarkdown(parts: ReportParts): string {
  const out: string[] = [];
  out.push(
    `# ${md(parts.question)}`,
    '',
    `*Report ${parts.id} on ${md(parts.file)}, ${parts.createdAt.slice(0, 10)}. ${md(parts.intent.reason)}.*`,
    '',
  );
  out.push('## Answer', '');
  for (const s of parts.answer.sentences)
    out.push(`${md(s.text)}${s.findings.map((f) => ` [${f}](#${f})`).join('')}`);
  out.push('');
  if (parts.discussion.sentences.length > 0)
    out.push(parts.discussion.sentences.map((s) => md(s.text)).join(' '), '');
  out.push('## Evidence', '');
  for (const e of parts.ledger.entries) {
    out.push(`### ${e.id}. ${md(e.title)}`, '', `*${md(e.why)}*`, '');
    for (const c of e.findings.claims) out.push(`- <a id="${c.id}"></a>**${c.id}** ${md(c.text)}`);
    out.push('');
    for (const ch of e.findings.charts)
      out.push(
        `![${md(ch.title)}](analyses/${e.id}/${ch.file})`,
        `[table behind the chart (CSV)](analyses/${e.id}/${ch.table})`,
        '',
      );
  }
  out.push('## Caveats', '');
  for (const c of caveatsOf(parts)) out.push(`- ${md(c.text)}`);
  out.push(`- ${CAUSATION}`, '');
  out.push('## Methods', '');
  out.push(
    `Each analysis is a script run in ouro's sandbox (no network, the table read-only); run it again in its folder and it writes the same findings.json. The prose above was written by the ${parts.analyst} analyst and checked number by number against the findings${parts.answer.rejected.length + parts.discussion.rejected.length > 0 ? ` (${parts.answer.rejected.length + parts.discussion.rejected.length} sentence(s) whose numbers were not in the findings were replaced or removed)` : ''}.`,
    '',
  );
  for (const e of parts.ledger.entries) {
    const methods = [...new Set(e.findings.claims.map((c) => c.method).filter((m) => m.length > 0))];
    const rows = e.findings.rows
      ? ` Rows: ${e.findings.rows.used} of ${e.findings.rows.total}${e.findings.rows.sampled ? ' (seeded sample)' : ''}.`
      : '';
    out.push(
      `- **${e.id}** [${e.script}](analyses/${e.id}/analysis.py): ${md(methods.join('; ') || 'descriptive')}.${rows}`,
    );
  }
  out.push('', `All findings as JSON: [findings.json](findings.json).`, '');
  return out.join('\n');
}

const STYLE = `body{font:15px/1.5 system-ui,-apple-system,Segoe UI,sans-serif;max-width:860px;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.6rem}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}h3{font-size:1.1rem}
.answer{background:#f5f8fc;border-left:4px solid #4C78A8;padding:.6rem 1rem}.meta{color:#666;font-size:.9rem}
sup a{text-decoration:none;font-size:.75rem;color:#4C78A8}figure{margin:1rem 0}figure img{max-width:100%}figcaption{font-size:.85rem;color:#555}
li{margin:.25rem 0}.id{font-family:ui-monospace,monospace;font-size:.8rem;color:#888}code{font-size:.85rem}
.pdf{float:right;font-size:.9rem}@media print{.pdf{display:none}body{margin:0}}`;

export function renderHtml(parts: ReportParts, opts: { pdf: boolean }): string {
  const sup = (ids: string[]) => ids.map((f) => `<sup><a href="#${esc(f)}">${esc(f)}</a></sup>`).join('');
  const evidence = parts.ledger.entries
    .map((e) => {
      const claims = e.findings.claims
        .map(
          (c) =>
            `<li id="${esc(c.id)}"><span class="id">${esc(c.id)}</span> ${esc(c.text)} <span class="meta">(${esc(methodLine(c))})</span></li>`,
        )
        .join('\n');
      const charts = e.findings.charts
        .map(
          (ch) =>
            `<figure><img src="analyses/${esc(e.id)}/${esc(ch.file)}" alt="${esc(ch.title)}"><figcaption>${esc(ch.title)} — <a href="analyses/${esc(e.id)}/${esc(ch.table)}" download>table (CSV)</a></figcaption></figure>`,
        )
        .join('\n');
      return `<h3>${esc(e.id)}. ${esc(e.title)}</h3><p class="meta">${esc(e.why)}</p><ul>${claims}</ul>${charts}`;
    })
    .join('\n');
  const methods = parts.ledger.entries
    .map((e) => {
      const m = [...new Set(e.findings.claims.map((c) => c.method).filter((x) => x.length > 0))];
      const rows = e.findings.rows
        ? ` Rows: ${e.findings.rows.used} of ${e.findings.rows.total}${e.findings.rows.sampled ? ' (seeded sample)' : ''}.`
        : '';
      return `<li><b>${esc(e.id)}</b> <a href="analyses/${esc(e.id)}/analysis.py"><code>${esc(e.script)}</code></a>: ${esc(m.join('; ') || 'descriptive')}.${esc(rows)}</li>`;
    })
    .join('\n');
  const rejected = parts.answer.rejected.length + parts.discussion.rejected.length;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(parts.question)} — ouro report</title><style>${STYLE}</style></head><body>
${opts.pdf ? '<a class="pdf" href="report.pdf">PDF</a>' : ''}<h1>${esc(parts.question)}</h1>
<p class="meta">Report ${esc(parts.id)} on ${esc(parts.file)}, ${esc(parts.createdAt.slice(0, 10))}. ${esc(parts.intent.reason)}.</p>
<h2>Answer</h2><div class="answer"><p>${parts.answer.sentences.map((s) => `${esc(s.text)}${sup(s.findings)}`).join(' ')}</p>
${parts.discussion.sentences.length > 0 ? `<p>${parts.discussion.sentences.map((s) => `${esc(s.text)}${sup(s.findings)}`).join(' ')}</p>` : ''}</div>
<h2>Evidence</h2>${evidence}
<h2>Caveats</h2><ul>${caveatsOf(parts)
    .map((c) => `<li>${esc(c.text)}</li>`)
    .join('')}<li>${esc(CAUSATION)}</li></ul>
<h2>Methods</h2><p>Each analysis is a script run in ouro's sandbox (no network, the table read-only); run it again in its folder and it writes the same findings.json. The prose above was written by the ${esc(parts.analyst)} analyst and checked number by number against the findings${rejected > 0 ? ` (${rejected} sentence(s) whose numbers were not in the findings were replaced or removed)` : ''}.</p>
<ul>${methods}</ul><p><a href="findings.json">All findings (JSON)</a> · <a href="report.md">Markdown</a></p>
</body></html>
`;
}
