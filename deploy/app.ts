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
 * `/metrics` is not on this app: deploy/server.ts serves it on its own loopback listener.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Hono, type Context } from 'hono';
import { checkDatasetLink } from '../core/dataset-links.ts';
import { readUntrusted, UNTRUSTED_CAPS } from '../core/untrusted-files.ts';
import { join } from 'node:path';
import { rateLimiter } from 'hono-rate-limiter';
import { listModels } from '../core/registry.ts';
import type { Logger } from '../core/logger.ts';
import { redactSecrets, registerSecrets } from '../core/redact.ts';
import { ServeError } from './errors.ts';
import type { ServeMetrics } from './metrics.ts';
import { exampleRow } from './model-page.ts';
import type { LoadedModel } from './loaded-model.ts';
import type { ModelHost } from './model-host.ts';
import { readJsonBody, type BodyLimits } from './request-body.ts';
import { probabilityObjects, v1Rows, v2Rows, type V2Request } from './request-rows.ts';
import { bearerToken, refusal, routeGuards } from './route-guards.ts';
import { isForecaster, type Predictions } from './predictors/predictor.ts';
import { prepareForecast } from './validate-forecast.ts';
import { registerReportRoutes } from './reports.ts';
import { addPageRoutes } from './page-routes.ts';
import { v2Datatype } from './signature.ts';
import { prepareBatch, type PreparedBatch } from './validate-request.ts';

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

const SERVER_NAME = 'ouro';
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

  if ((opts.rateLimitPerMinute ?? 0) > 0) {
    const limit = opts.rateLimitPerMinute!;
    const limiter = rateLimiter({
      windowMs: 60_000,
      limit,
      // Keyed by the bearer's hash: the raw key is never a map key, and each key has its own budget.
      keyGenerator: (c) => {
        const presented = bearerToken(c);
        return presented === null || presented === ''
          ? 'anonymous'
          : createHash('sha256').update(presented).digest('hex');
      },
      // Sets RateLimit-* on every answer and Retry-After (seconds to the window's end) on a 429.
      standardHeaders: 'draft-6',
      handler: (c) => {
        const name = c.req.param('name') ?? '';
        const route = c.req.path.endsWith('/infer')
          ? 'v2_infer'
          : c.req.path.endsWith('/forecast')
            ? 'v1_forecast'
            : 'v1_predict';
        metrics.observe(host.status(name).known ? name : '(unknown)', route, 429, 0, 'rate_limited');
        const reset = (c.get('rateLimit' as never) as { resetTime?: Date } | undefined)?.resetTime;
        const wait = reset === undefined ? 60 : Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000));
        return fail(
          c,
          new ServeError(
            429,
            'rate_limited',
            `Too many requests with this key: at most ${limit} per minute (OURO_SERVE_RATE_LIMIT). Retry in ${wait} s.`,
          ),
        );
      },
    });
    for (const path of ['/v1/models/:name/predict', '/v2/models/:name/infer', '/v1/models/:name/forecast'])
      app.use(path, limiter);
  }

  type Lease = Awaited<ReturnType<ModelHost['acquire']>>;

  /**
   * What every model route does around its own work (which reads the body as a stream): refuse
   * while closing, look the model up, check its key, hold a lease on the loaded version (so a hot swap
   * waits for the request), and time and count the answer.
   */
  const modelRoute =
    (
      route: string,
      work: (
        c: Context,
        name: string,
        acquire: () => Promise<Lease>,
      ) => Promise<{ response: Response; rows: number }>,
    ) =>
    async (c: Context): Promise<Response> => {
      const name = c.req.param('name') ?? '';
      const started = performance.now();
      let status = 500;
      let code: string | undefined;
      // Set by the route's work through acquire(), released here whatever happens.
      const held: { lease: Lease | null } = { lease: null };
      try {
        if (opts.isClosing?.())
          throw new ServeError(503, 'shutting_down', 'The server is shutting down; retry.');
        await host.assertKnown(name);
        await guards.checkKey(c);
        await guards.checkDeclaredSize(c);
        const { response, rows } = await work(c, name, async () => (held.lease = await host.acquire(name)));
        metrics.countRows(name, rows);
        status = 200;
        return response;
      } catch (err) {
        const res = fail(c, err);
        status = res.status;
        code = refusal(err)?.code ?? 'internal';
        return res;
      } finally {
        held.lease?.release();
        metrics.observe(
          host.status(name).known ? name : '(unknown)',
          route,
          status,
          (performance.now() - started) / 1000,
          code,
        );
      }
    };

  /** A prediction route: the body's rows validated against the signature, then the predictor. */
  const predictRoute = (
    route: string,
    read: (c: Context, name: string) => Promise<{ rows: unknown[]; extra?: V2Request }>,
    respond: (
      c: Context,
      m: LoadedModel,
      p: Predictions,
      batch: PreparedBatch,
      extra?: V2Request,
    ) => Response,
  ) =>
    modelRoute(route, async (c, name, acquire) => {
      const { rows, extra } = await read(c, name);
      const lease = await acquire();
      const batch = prepareBatch(lease.model.inputs, rows, opts.maxRows);
      // ?explain=true (v1): per-row contributions, computed on the Python path (docs/api.md).
      const explainer =
        route === 'v1_predict' && c.req.query('explain') === 'true' ? lease.model.explainer : null;
      if (route === 'v1_predict' && c.req.query('explain') === 'true' && explainer === null)
        throw new ServeError(400, 'bad_request', 'This model does not explain its predictions.');
      const predictions =
        explainer !== null ? await explainer.explain(batch) : await lease.model.predictor.predict(batch);
      return { response: respond(c, lease.model, predictions, batch, extra), rows: batch.rows };
    });

  app.post(
    '/v1/models/:name/predict',
    predictRoute(
      'v1_predict',
      async (c, name) => ({ rows: await v1Rows(c.req.raw, limits, (n) => metrics.countCsvRows(name, n)) }),
      (c, m, p, batch) =>
        c.json({
          model: m.name,
          version: m.version,
          predictions: p.predictions,
          ...(m.signature.task !== 'regression' && p.probabilities !== null
            ? { probabilities: probabilityObjects(m, p.probabilities) }
            : {}),
          ...(p.explanations !== undefined ? { explanations: p.explanations } : {}),
          warnings: batch.warnings,
        }),
    ),
  );

  app.post(
    '/v2/models/:name/infer',
    predictRoute(
      'v2_infer',
      async (c) => {
        const req = v2Rows(await readJsonBody(c.req.raw, limits));
        return { rows: req.rows, extra: req };
      },
      (c, m, p, batch, req) => {
        const n = batch.rows;
        const classifier = m.signature.task !== 'regression';
        const outputs: Record<string, unknown>[] = [
          { name: 'predict', datatype: classifier ? 'BYTES' : 'FP64', shape: [n], data: p.predictions },
        ];
        if (classifier && p.probabilities !== null) {
          const k = m.signature.classes?.length ?? 0;
          outputs.push({
            name: 'predict_proba',
            datatype: 'FP64',
            shape: [n, k],
            data: p.probabilities.flat(),
            parameters: { classes: (m.signature.classes ?? []).join(',') },
          });
        }
        const wanted = req?.outputs ?? null;
        return c.json({
          model_name: m.name,
          model_version: String(m.version),
          ...(req?.id !== undefined ? { id: req.id } : {}),
          outputs: wanted === null ? outputs : outputs.filter((o) => wanted.includes(String(o.name))),
          ...(batch.warnings.length > 0 ? { warnings: batch.warnings } : {}),
        });
      },
    ),
  );

  app.post(
    '/v1/models/:name/forecast',
    modelRoute('v1_forecast', async (c, name, acquire) => {
      const body = (await readJsonBody(c.req.raw, limits)) ?? {};
      const lease = await acquire();
      const request = prepareForecast(lease.model.signature, body, opts.maxRows);
      const predictor = lease.model.predictor;
      if (!isForecaster(predictor))
        throw new ServeError(400, 'not_a_forecaster', 'This model version is not served by a forecaster.');
      const result = await predictor.forecast(request);
      const f = lease.model.signature.forecast!;
      return {
        response: c.json({
          model: name,
          version: lease.model.version,
          series: result.series,
          frequency: f.frequency,
          ...(f.intervals ? { level: f.level } : {}),
          forecasts: result.forecasts,
        }),
        rows: result.forecasts.length,
      };
    }),
  );

  app.get('/v2/health/live', (c) => c.json({ live: true, server: SERVER_NAME, pid: process.pid }));
  app.get('/v2/health/ready', (c) => {
    const ready = host.ready && !(opts.isClosing?.() ?? false);
    return c.json({ ready }, ready ? 200 : 503);
  });
  app.get('/v2', (c) => c.json({ name: SERVER_NAME, version: '1', extensions: [] }));

  app.get('/v2/models/:name/ready', async (c) => {
    const name = c.req.param('name');
    try {
      await host.assertKnown(name);
    } catch (err) {
      return fail(c, err);
    }
    const s = host.status(name);
    return c.json(
      {
        name,
        ready: s.ready,
        version: s.version,
        loading: s.loading,
        error: s.error,
        path: host.loaded().find((m) => m.name === name)?.path ?? null,
      },
      s.ready ? 200 : 503,
    );
  });

  app.get('/v2/models/:name', async (c) => {
    const name = c.req.param('name');
    let lease: Awaited<ReturnType<ModelHost['acquire']>> | null = null;
    try {
      await host.assertKnown(name);
      await guards.checkKey(c);
      lease = await host.acquire(name);
      const m = lease.model;
      const versions = (await listModels(opts.home)).find((x) => x.name === name)?.versions ?? [m.version];
      const classifier = m.signature.task !== 'regression';
      const k = m.signature.classes?.length ?? 0;
      return c.json({
        name,
        versions: versions.map(String),
        platform: m.path === 'onnx' ? 'onnxruntime_onnx' : 'sklearn',
        inputs: m.signature.inputs.map((i) => ({ name: i.name, datatype: v2Datatype(i.dtype), shape: [-1] })),
        outputs: [
          { name: 'predict', datatype: classifier ? 'BYTES' : 'FP64', shape: [-1] },
          ...(classifier ? [{ name: 'predict_proba', datatype: 'FP64', shape: [-1, k] }] : []),
        ],
        ...(classifier ? { classes: m.signature.classes } : {}),
        ouro: {
          version: m.version,
          task: m.signature.task,
          target: m.signature.target,
          metric: m.card.metric,
          path: m.path,
          reason: m.pathReason,
          example: exampleRow(m),
        },
      });
    } catch (err) {
      return fail(c, err);
    } finally {
      lease?.release();
    }
  });

  addPageRoutes(app, { host, metrics, home: opts.home, publicUrl: opts.publicUrl, fail });

  registerReportRoutes(app, { home: opts.home });

  // A synthetic dataset, by the signed link its run published (core/dataset-links.ts).
  app.get('/datasets/:runId/:file', async (c) => {
    const runId = c.req.param('runId');
    const file = c.req.param('file');
    if (
      opts.internalToken === undefined ||
      !checkDatasetLink(opts.internalToken, runId, file, c.req.query('expires'), c.req.query('sig'))
    ) {
      return c.json(
        {
          error: 'This download link is not valid or has expired; ask for the dataset again.',
          code: 'forbidden',
        },
        403,
      );
    }
    const dir = join(opts.home, 'runs', runId, 'dataset');
    try {
      // Written by the host, but read like sandbox output: no links, capped.
      const data = await readUntrusted(join(dir, file), { root: dir, maxBytes: UNTRUSTED_CAPS.tree });
      return c.body(new Uint8Array(data), 200, {
        'Content-Type': 'application/octet-stream',
        'Content-Disposition': `attachment; filename="${file}"`,
        'Cache-Control': 'no-store',
      });
    } catch {
      return c.json({ error: `No dataset ${file} for run ${runId} on this server.`, code: 'not_found' }, 404);
    }
  });

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
