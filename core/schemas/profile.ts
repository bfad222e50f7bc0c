import { z } from 'zod';
import { SeriesDiagnosisSchema } from './diagnosis.ts';

/**
 * What the harness learns about a file before any experiment runs. Written by
 * `python -m ouro_harness inspect` inside the sandbox; validated here once.
 */
export const ColumnProfileSchema = z.object({
  name: z.string(),
  /** The type pandas read from the file. */
  stored: z.enum(['integer', 'float', 'string', 'boolean', 'datetime', 'empty']),
  /** What the values mean once cleaned. */
  meant: z.enum(['numeric', 'categorical', 'boolean', 'datetime', 'text', 'id', 'constant', 'empty']),
  /** A cleaning step the harness applies when it loads the column (numbers stored as text, currency, ...). */
  conversion: z.enum(['numeric_text', 'currency', 'percent', 'datetime', 'boolean']).nullable(),
  missingShare: z.number().min(0).max(1),
  unique: z.number().int().nonnegative(),
  samples: z.array(z.string()).max(5),
  min: z.number().nullable().optional(),
  max: z.number().nullable().optional(),
  mean: z.number().nullable().optional(),
});
export type ColumnProfile = z.infer<typeof ColumnProfileSchema>;

export const ProfileSchema = z.object({
  file: z.object({
    bytes: z.number().int().nonnegative(),
    encoding: z.string(),
    delimiter: z.string(),
    lineEnding: z.enum(['LF', 'CRLF', 'CR']),
    bom: z.boolean(),
    /** What the bytes were (sandbox/python/ouro_harness/formats.py); unset: delimited text. */
    format: z.enum(['csv', 'xlsx', 'parquet', 'json', 'jsonl']).optional(),
    /** The workbook sheet that was read. */
    sheet: z.string().optional(),
  }),
  rows: z.number().int().nonnegative(),
  columns: z.array(ColumnProfileSchema),
  duplicateRows: z.number().int().nonnegative(),
  /** Pairs of columns holding identical values. */
  duplicateColumns: z.array(z.tuple([z.string(), z.string()])),
  /** Human-readable findings, one line each. */
  findings: z.array(z.string()),
});
export type Profile = z.infer<typeof ProfileSchema>;

/** Written by `python -m ouro_harness split`: the target's side of the profile. */
/** The time axis of a forecasting run, as the split found and fixed it. */
export const ForecastSetupSchema = z.object({
  dateColumn: z.string(),
  idColumn: z.string().nullable(),
  /** pandas offset alias (MS, W-SUN, h, 30min, ...). */
  frequency: z.string(),
  frequencyLabel: z.string(),
  /** Season length used by the models and by MASE (1 when the series are too short). */
  seasonLength: z.number().int().positive(),
  horizon: z.number().int().positive(),
  series: z.number().int().positive(),
  /** Every training value > 0 (multiplicative models allowed). */
  positive: z.boolean(),
  exog: z.array(z.string()),
  trainEnd: z.string(),
  holdoutStart: z.string(),
  diagnoses: z.array(SeriesDiagnosisSchema),
});
export type ForecastSetup = z.infer<typeof ForecastSetupSchema>;

export const TargetAnalysisSchema = z.object({
  target: z.string(),
  task: z.enum(['binary', 'multiclass', 'regression', 'forecast']),
  trainRows: z.number().int().nonnegative(),
  holdoutRows: z.number().int().nonnegative(),
  droppedRows: z.number().int().nonnegative(),
  /** Class -> count on the training split (classification only). */
  classCounts: z.record(z.string(), z.number()).nullable(),
  classes: z.array(z.string()).nullable(),
  /** Mean and std of the target on the training split (regression only). */
  targetMean: z.number().nullable(),
  targetStd: z.number().nullable(),
  leakageSuspects: z.array(z.object({ column: z.string(), score: z.number(), why: z.string() })),
  findings: z.array(z.string()),
  /** Forecasting runs only. */
  forecast: ForecastSetupSchema.optional(),
});
export type TargetAnalysis = z.infer<typeof TargetAnalysisSchema>;
