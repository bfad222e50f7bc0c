/** What the app's model routes share (deploy/app.ts): the options, body limits, guards, the error answer, and the wrapper around each route's work. */
import { performance } from 'node:perf_hooks';
import type { Context } from 'hono';
import type { AppOptions } from './app.ts';
import { ServeError } from './errors.ts';
import type { ModelHost } from './model-host.ts';
import type { BodyLimits } from './request-body.ts';
import { refusal, type routeGuards } from './route-guards.ts';

export interface RouteKit {
  opts: AppOptions;
  limits: BodyLimits;
  /** The model's own key or the internal service token (Hono's bearerAuth), the declared body size (bodyLimit). */
  guards: ReturnType<typeof routeGuards>;
  /** Every error answer of the app (deploy/app.ts): redacted, with WWW-Authenticate or Retry-After where due. */
  fail: (c: Context, thrown: unknown) => Response;
}

export type Lease = Awaited<ReturnType<ModelHost['acquire']>>;

/**
 * What every model route does around its own work (which reads the body as a stream): refuse
 * while closing, look the model up, check its key, hold a lease on the loaded version (so a hot swap
 * waits for the request), and time and count the answer.
 */
export const modelRoute =
  (kit: RouteKit) =>
  (
    route: string,
    work: (
      c: Context,
      name: string,
      acquire: () => Promise<Lease>,
    ) => Promise<{ response: Response; rows: number }>,
  ) =>
  async (c: Context): Promise<Response> => {
    const { opts, guards, fail } = kit;
    const { host, metrics } = opts;
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
