/**
 * Errors a caller can switch on (after bolt-js's `CodedError`). The message is written for
 * the person reading the terminal or thread: what went wrong and what to do about it.
 */
export type OuroErrorCode =
  | 'config_invalid'
  | 'input_missing'
  | 'input_too_large'
  | 'input_empty'
  | 'input_unreadable'
  | 'input_no_rows'
  /** The input lacks a column the model needs (or names an unknown series): ouro_harness/errors.py. */
  | 'input_columns'
  | 'target_not_found'
  | 'target_unusable'
  /** The goal does not settle the target: ouro asks which column (a `question` event). */
  | 'target_ambiguous'
  | 'series_unusable'
  | 'metric_invalid'
  | 'sandbox_unavailable'
  | 'run_not_found'
  | 'run_failed'
  /** The best model did not beat the constant baseline on the holdout, so it was not deployed. */
  | 'not_better_than_baseline'
  /** Synthesis: more rows asked for than OURO_SYNTH_MAX_ROWS allows. */
  | 'rows_over_cap'
  /** Synthesis: too few rows to learn what rows look like and still check the result. */
  | 'table_too_small'
  | 'model_not_found'
  | 'model_name_taken'
  | 'untrusted_file'
  | 'secret_weak'
  | 'internal';

export class OuroError extends Error {
  readonly code: OuroErrorCode;
  constructor(code: OuroErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OuroError';
    this.code = code;
  }
}

export function isOuroError(err: unknown): err is OuroError {
  return err instanceof OuroError;
}
