/**
 * `GET /reports/{id}` (docs/api.md): an analysis report as `ouro analyze` or the worker
 * published it under OURO_HOME/reports/<id>/ — the HTML page, its Markdown and PDF, the
 * ledger (findings.json), and each analysis's script, findings, charts and chart tables.
 *
 * The same access model as model pages: public to whoever has the link (the id is a run id,
 * unguessable), read-only, no key. Reports hold aggregates only (rates, means, effect sizes,
 * charts of them), never rows. Files are read like sandbox output (no links, capped), since
 * charts and tables were written in a sandbox before the host copied them.
 */
import type { Hono } from 'hono';
import { join } from 'node:path';
import { readUntrusted, UNTRUSTED_CAPS, UntrustedFileError } from '../core/untrusted-files.ts';
import { escapeHtml } from './html-escape.ts';

const ID = /^[A-Za-z0-9_-]{4,64}$/;
const ANALYSIS = /^[a-z][a-z0-9]{0,15}$/;
const CHART = /^[A-Za-z0-9._-]{1,120}\.(png|csv)$/;

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  pdf: 'application/pdf',
  json: 'application/json; charset=utf-8',
  png: 'image/png',
  csv: 'text/csv; charset=utf-8',
  py: 'text/plain; charset=utf-8',
};

// The page is ours and holds no script: nothing but its own images and inline style may load.
const CSP =
  "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

function notFound(id: string): Response {
  return new Response(
    `<!doctype html><meta charset="utf-8"><title>404</title><p>No report ${escapeHtml(id)} here. Reports are kept under OURO_HOME/reports on the host that serves them.</p>`,
    { status: 404, headers: { 'Content-Type': 'text/html; charset=utf-8' } },
  );
}

async function serveFile(home: string, id: string, rel: string[], download: boolean): Promise<Response> {
  const root = join(home, 'reports', id);
  const ext = rel.at(-1)!.split('.').pop()!;
  try {
    const cap = ext === 'png' || ext === 'pdf' ? UNTRUSTED_CAPS.image * 4 : UNTRUSTED_CAPS.json;
    const body = await readUntrusted(join(root, ...rel), { root, maxBytes: cap });
    const headers: Record<string, string> = {
      'Content-Type': TYPES[ext] ?? 'application/octet-stream',
      'Cache-Control': 'max-age=60',
      'X-Content-Type-Options': 'nosniff',
    };
    if (ext === 'html') headers['Content-Security-Policy'] = CSP;
    if (download) headers['Content-Disposition'] = `attachment; filename="${rel.at(-1)}"`;
    return new Response(new Uint8Array(body), { status: 200, headers });
  } catch (err) {
    if (err instanceof UntrustedFileError) return notFound(id);
    throw err;
  }
}

export function registerReportRoutes(app: Hono, opts: { home: string }): void {
  app.get('/reports/:id', (c) => {
    const id = c.req.param('id');
    return ID.test(id) ? serveFile(opts.home, id, ['report.html'], false) : notFound(id);
  });
  app.get('/reports/:id/:file{report\\.(?:html|md|pdf)|findings\\.json|meta\\.json}', (c) => {
    const id = c.req.param('id');
    return ID.test(id) ? serveFile(opts.home, id, [c.req.param('file')], false) : notFound(id);
  });
  app.get('/reports/:id/analyses/:a/:file{analysis\\.py|findings\\.json}', (c) => {
    const { id, a, file } = c.req.param();
    return ID.test(id) && ANALYSIS.test(a)
      ? serveFile(opts.home, id, ['analyses', a, file], false)
      : notFound(id);
  });
  app.get('/reports/:id/analyses/:a/charts/:file', (c) => {
    const { id, a, file } = c.req.param();
    if (!ID.test(id) || !ANALYSIS.test(a) || !CHART.test(file)) return notFound(id);
    return serveFile(opts.home, id, ['analyses', a, 'charts', file], file.endsWith('.csv'));
  });
}
