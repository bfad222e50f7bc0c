/**
 * The prediction API (docs/api.md) as a Hono app: testable in-process with `app.request()`,
 * served by @hono/node-server in deploy/server.ts.
 *
 * Every prediction route checks, in order: the key's request rate (429), the model exists
 * (404), the bearer key (401/403, Hono's bearerAuth) and a declared body size (413, Hono's
 * bodyLimit; deploy/route-guards.ts), the media type (415), then reads the body as a stream with
 * the size, row and nesting caps applied while reading (413, 422), its shape (400), the rows
 * against the model's inputs (422), and only then calls a predictor.
 *
 * This file assembles the app; the routes live in their modules (rate-limit.ts,
 * prediction-routes.ts with model-route.ts, metadata-routes.ts, page-routes.ts, reports.ts,
 * dataset-route.ts), registered in the order Hono matches them.
 *
 * `/metrics` is not on this app: deploy/server.ts serves it on its own loopback listener.
 */
import { Hono, type Context } from 'hono';
import type { Logger } from '../core/logger.ts';
import { redactSecrets, registerSecrets } from '../core/redact.ts';
import { addDatasetRoute } from './dataset-route.ts';
import { ServeError } from './errors.ts';
import { addMetadataRoutes } from './metadata-routes.ts';
import type { ServeMetrics } from './metrics.ts';
import type { ModelHost } from './model-host.ts';
import type { RouteKit } from './model-route.ts';
import { addPageRoutes } from './page-routes.ts';
import { addPredictionRoutes } from './prediction-routes.ts';
import { addRateLimit } from './rate-limit.ts';
import { registerReportRoutes } from './reports.ts';
import type { BodyLimits } from './request-body.ts';
import { refusal, routeGuards } from './route-guards.ts';

export interface AppOptions {
  host: ModelHost;
  metrics: ServeMetrics;
  logger: Logger;
  home: string;
  maxBodyBytes: number;
  maxRows: number;
  /** OURO_PUBLIC_URL: the base URL printed in examples; else the request's own origin. */
  publicUrl?: string | undefined;
  /** Set while shutting down: new prediction requests get 503. */
  isClosing?: () => boolean;
  /** OURO_INTERNAL_TOKEN: a bearer accepted for every model (the chat bot's /predict). */
  internalToken?: string | undefined;
  /** OURO_SERVE_RATE_LIMIT: prediction requests per minute per key; 0 or unset: no limit. */
  rateLimitPerMinute?: number;
}

/** A ServeError's JSON body with secrets taken out of its message. */
function redactedBody(err: ServeError): Record<string, unknown> {
  return { ...err.toJSON(), error: redactSecrets(err.message) };
}

export function createApp(opts: AppOptions): Hono {
  const { host, metrics, logger } = opts;
  const app = new Hono();
  const internal = opts.internalToken;
  const limits: BodyLimits = { maxBytes: opts.maxBodyBytes, maxRows: opts.maxRows };
  // Error bodies and the error log go through redactSecrets: the service token must never be echoed.
  registerSecrets([internal]);

  /** The model's own key or the internal service token (Hono's bearerAuth), the declared body size (bodyLimit). */
  const guards = routeGuards({ host, internalToken: internal, maxBodyBytes: opts.maxBodyBytes });

  /** Every error answer of the app: messages can quote the request (a JSON parse error does), so they are redacted. */
  const fail = (c: Context, thrown: unknown): Response => {
    const err = refusal(thrown) ?? thrown;
    if (err instanceof ServeError) {
      if (err.status === 401) c.header('WWW-Authenticate', 'Bearer');
      if (err.status === 503) c.header('Retry-After', '2');
      return c.json(redactedBody(err), err.status);
    }
    logger.error({ err: redactSecrets((err as Error).stack ?? String(err)) }, 'request failed');
    return c.json({ error: 'Internal error; see the server log.', code: 'predictor_failed' }, 500);
  };
  const kit: RouteKit = { opts, limits, guards, fail };

  addRateLimit(app, kit);

  addPredictionRoutes(app, kit);
  addMetadataRoutes(app, kit);

  addPageRoutes(app, { host, metrics, home: opts.home, publicUrl: opts.publicUrl, fail });

  registerReportRoutes(app, { home: opts.home });

  addDatasetRoute(app, opts);

  app.notFound((c) =>
    c.json(
      {
        error: redactSecrets(`No route ${c.req.method} ${new URL(c.req.url).pathname}. See docs/api.md.`),
        code: 'bad_request',
      },
      404,
    ),
  );
  app.onError((err, c) => fail(c, err));
  return app;
}
