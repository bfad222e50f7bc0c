import { performance } from 'node:perf_hooks';
import { basename, join } from 'node:path';
import type { Context, Hono } from 'hono';
import { redactSecrets } from '../core/redact.ts';
import { listModels, versionDir } from '../core/registry.ts';
import { readUntrusted, UNTRUSTED_CAPS } from '../core/untrusted-files.ts';
import { ServeError } from './errors.ts';
import type { ServeMetrics } from './metrics.ts';
import type { ModelHost } from './model-host.ts';
import { escapeHtml } from './html-escape.ts';
import { exampleRow } from './model-examples.ts';
import { renderModelPage } from './model-page.ts';

/**
 * The public model page (no key: it shows only what the card and the signature say) and the
 * files it shows, such as a forecaster's chart.
 */
export function addPageRoutes(
  app: Hono,
  opts: {
    host: ModelHost;
    metrics: ServeMetrics;
    home: string;
    publicUrl?: string | undefined;
    fail: (c: Context, err: unknown) => Response;
  },
): void {
  const { host, metrics, fail } = opts;
  app.get('/models/:name', async (c) => {
    const name = c.req.param('name');
    let lease: Awaited<ReturnType<ModelHost['acquire']>> | null = null;
    const started = performance.now();
    try {
      await host.assertKnown(name);
      lease = await host.acquire(name);
      const m = lease.model;
      const versions = (await listModels(opts.home)).find((x) => x.name === name)?.versions ?? [m.version];
      const base = opts.publicUrl ?? new URL(c.req.url).origin;
      const predictUrl = `${base.replace(/\/$/, '')}/v1/models/${encodeURIComponent(name)}/predict`;
      c.header(
        'Content-Security-Policy',
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; form-action 'none'; base-uri 'none'",
      );
      metrics.observe(name, 'page', 200, (performance.now() - started) / 1000);
      return c.html(renderModelPage({ model: m, versions, predictUrl, example: exampleRow(m) }));
    } catch (err) {
      if (err instanceof ServeError) {
        return c.html(
          `<!doctype html><meta charset="utf-8"><title>${err.status}</title><p>${escapeHtml(redactSecrets(err.message))}</p>`,
          err.status,
        );
      }
      return fail(c, err);
    } finally {
      lease?.release();
    }
  });

  // The forecast-against-holdout chart of the serving version, shown on its public model page.
  app.get('/models/:name/forecast.png', async (c) => {
    const name = c.req.param('name');
    let lease: Awaited<ReturnType<ModelHost['acquire']>> | null = null;
    try {
      await host.assertKnown(name);
      lease = await host.acquire(name);
      const chart = lease.model.card.forecast?.chart;
      if (!chart) throw new ServeError(404, 'model_not_found', `Model "${name}" has no forecast chart.`);
      // Served without auth: read like sandbox output (no links, capped), whatever put it there.
      const dir = versionDir(opts.home, name, lease.model.version);
      const png = await readUntrusted(join(dir, basename(chart)), {
        root: dir,
        maxBytes: UNTRUSTED_CAPS.image,
      });
      return c.body(new Uint8Array(png), 200, {
        'Content-Type': 'image/png',
        'Cache-Control': 'max-age=300',
      });
    } catch (err) {
      return fail(c, err);
    } finally {
      lease?.release();
    }
  });
}
