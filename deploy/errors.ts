/**
 * What a request did wrong (or what the server cannot do right now), as an HTTP status and a
 * stable code a client can switch on. The body is `{"error": message, "code": code, ...}`;
 * `error` as a string keeps it an Open Inference Protocol error too.
 */
export type ServeErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'model_not_found'
  | 'model_loading'
  | 'missing_column'
  | 'invalid_value'
  | 'too_many_rows'
  | 'nesting_too_deep'
  | 'rate_limited'
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'predictor_failed'
  | 'not_a_forecaster'
  | 'shutting_down';

export interface InvalidCell {
  row: number;
  column: string;
  expected: string;
  value: unknown;
}

export class ServeError extends Error {
  readonly status: 400 | 401 | 403 | 404 | 413 | 415 | 422 | 429 | 500 | 503;
  readonly code: ServeErrorCode;
  readonly details: InvalidCell[] | undefined;

  constructor(status: ServeError['status'], code: ServeErrorCode, message: string, details?: InvalidCell[]) {
    super(message);
    this.name = 'ServeError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  toJSON(): Record<string, unknown> {
    return {
      error: this.message,
      code: this.code,
      ...(this.details !== undefined ? { details: this.details } : {}),
    };
  }
}
