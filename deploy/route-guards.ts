import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { ServeError } from './errors.ts';
import type { ModelHost } from './model-host.ts';

/**
 * The checks every model route runs before its own work, as Hono's middleware: `bearerAuth`
 * (the model's key or the internal service token) and `bodyLimit` (the declared size). They
 * run inside the route, after the model lookup, so an unknown model is a 404 whatever the key,
 * and their refusals are ServeErrors: the app's JSON error bodies, metrics and redaction apply.
 */

/** Constant-time comparison of two secrets (hashed first, so lengths never leak). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** The presented bearer token ('' for a malformed header, null for none), for keying the rate limiter. */
export function bearerToken(c: Context): string | null {
  const header = c.req.header('authorization');
  if (header === undefined) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m === null ? '' : m[1]!;
}

/** Runs one middleware as a check: a refusal (an HTTPException, a ServeError) throws. */
async function check(c: Context, middleware: MiddlewareHandler): Promise<void> {
  const res = await middleware(c, async () => undefined);
  if (res instanceof Response) throw new HTTPException(res.status as 400, { res });
}

/** A refusal as the ServeError it stands for, carried by an HTTPException through the middleware. */
class Refused extends HTTPException {
  constructor(readonly error: ServeError) {
    super(error.status as 400, { message: error.message });
  }
}

/** The ServeError behind a guard's refusal, or null for any other error. */
export function refusal(err: unknown): ServeError | null {
  return err instanceof Refused ? err.error : err instanceof ServeError ? err : null;
}

export function routeGuards(opts: {
  host: ModelHost;
  internalToken?: string | undefined;
  maxBodyBytes: number;
}) {
  const { host, internalToken } = opts;
  const nameOf = (c: Context) => c.req.param('name') ?? '';
  // Model keys are stored as SHA-256 hashes and compared in constant time (deploy/api-keys.ts);
  // the internal token is compared hashed, in constant time, too.
  const auth = bearerAuth({
    verifyToken: (token, c) =>
      (internalToken !== undefined && sameSecret(token, internalToken)) ||
      host.keyProblem(nameOf(c), token) === null,
    noAuthenticationHeader: {
      wwwAuthenticateHeader: 'Bearer',
      message: (c) => {
        throw new Refused(host.keyProblem(nameOf(c), null)!);
      },
    },
    // A header that is not "Bearer <token>" is a key that is not valid: 403, as a wrong key.
    invalidAuthenticationHeader: {
      message: (c) => {
        throw new Refused(host.keyProblem(nameOf(c), '')!);
      },
    },
    invalidToken: {
      message: (c) => {
        throw new Refused(host.keyProblem(nameOf(c), '')!);
      },
    },
  });
  // Only a declared length is checked here: for a chunked body Hono's bodyLimit would buffer
  // the whole body before the route runs, which would undo the streaming row cap; the stream
  // reader (deploy/request-body.ts) counts those bytes as they arrive.
  const limit = bodyLimit({
    maxSize: opts.maxBodyBytes,
    onError: () => {
      throw new Refused(tooLarge(opts.maxBodyBytes));
    },
  });
  return {
    /** 401 without a key, 403 with one that is not the model's (or the service token). */
    checkKey: (c: Context) => check(c, auth),
    /** 413 from Content-Length, before a byte of the body is read. */
    checkDeclaredSize: async (c: Context) => {
      if (c.req.header('content-length') !== undefined && c.req.header('transfer-encoding') === undefined)
        await check(c, limit);
    },
  };
}

export function tooLarge(max: number): ServeError {
  return new ServeError(
    413,
    'body_too_large',
    `The request body is larger than ${Math.round(max / 1024 / 1024)} MB (OURO_SERVE_MAX_BODY_MB). Send fewer rows per request.`,
  );
}
