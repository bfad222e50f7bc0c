/** OURO_SERVE_RATE_LIMIT on the prediction routes (hono-rate-limiter), answered as the app's other errors are. */
import { createHash } from 'node:crypto';
import type { Hono } from 'hono';
import { rateLimiter } from 'hono-rate-limiter';
import { ServeError } from './errors.ts';
import type { RouteKit } from './model-route.ts';
import { bearerToken } from './route-guards.ts';

/** Prediction requests per minute per key; nothing when the limit is 0 or unset. */
export function addRateLimit(app: Hono, kit: RouteKit): void {
  const { opts, fail } = kit;
  const { host, metrics } = opts;
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
}
