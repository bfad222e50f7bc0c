import { z } from 'zod';

/** The crash taxonomy (docs/architecture.md, "Crash taxonomy"). Every failed experiment gets exactly one class. */
export const CrashClassSchema = z.enum([
  'dtype',
  'missing',
  'unseen_category',
  'label',
  'schema',
  'import',
  'memory',
  'timeout',
  'contract',
  'leakage',
  'degenerate',
  'unknown',
]);
export type CrashClass = z.infer<typeof CrashClassSchema>;

/**
 * What the forecasting split found wrong with the time series and fixed (or refused): each
 * class names a problem that breaks forecasts, with the fix that was applied.
 */
export const SeriesIssueClassSchema = z.enum([
  'irregular_timestamps',
  'duplicate_timestamps',
  'gaps',
  'series_too_short_for_season',
  'non_positive_for_multiplicative',
]);
export type SeriesIssueClass = z.infer<typeof SeriesIssueClassSchema>;

export const SeriesDiagnosisSchema = z.object({
  class: SeriesIssueClassSchema,
  evidence: z.string(),
  fix: z.string(),
});
export type SeriesDiagnosis = z.infer<typeof SeriesDiagnosisSchema>;

export const DiagnosisSchema = z.object({
  class: CrashClassSchema,
  /** The line of output (or fact) that gave it away. */
  evidence: z.string(),
  /** The targeted fix the next experiment applies, in one sentence. */
  fix: z.string(),
  /** Column named by the evidence, when there is one. */
  column: z.string().optional(),
});
export type Diagnosis = z.infer<typeof DiagnosisSchema>;
