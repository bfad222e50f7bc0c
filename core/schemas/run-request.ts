import { z } from 'zod';
import { MetricSchema } from './task.ts';

export const BrainKindSchema = z.enum(['heuristic', 'llm']);

/**
 * The kind of work a run does (worker/intake/route-goal.ts decides it from the goal; `--kind`
 * overrides): a model to deploy, a forecast, an analysis report, synthetic rows. Absent: a model
 * or forecast, as before kinds existed (the model loop tells the two apart itself).
 */
export const WorkKindSchema = z.enum(['model', 'forecast', 'analysis', 'synthesize']);
export type WorkKind = z.infer<typeof WorkKindSchema>;

export const RunOptionsSchema = z.object({
  target: z.string().min(1).optional(),
  /** `--yes`: when the goal does not settle the target, take the best candidate (said loudly) instead of asking. */
  assumeYes: z.boolean().optional(),
  metric: MetricSchema.optional(),
  /**
   * `--deploy-anyway`: publish and deploy the best model even when it does not beat the
   * baseline on the holdout (by default such a model is kept in the run folder, not deployed).
   */
  deployAnyway: z.boolean().optional(),
  /** Wall-clock budget for the whole run, in seconds. */
  budgetSeconds: z
    .number()
    .positive()
    .max(24 * 3600)
    .default(180),
  /**
   * A cap on experiments; the budget is the usual limit. High enough that a default run searches
   * until its budget ends (an LLM brain's spending is capped by OURO_LLM_MAX_TOKENS_PER_RUN).
   */
  maxExperiments: z.number().int().positive().max(500).default(100),
  /** Stop after this many experiments in a row without a new best. */
  patience: z.number().int().positive().default(5),
  seed: z.number().int().nonnegative().default(42),
  brain: BrainKindSchema.default('heuristic'),
  /** Forecasting: steps ahead to forecast (overrides the goal's "next N ..."). */
  horizon: z.number().int().positive().max(10_000).optional(),
  /** Forecasting: the timestamp column (default: the file's datetime column). */
  dateColumn: z.string().min(1).optional(),
  /** Forecasting: the column naming each series of a panel (default: detected). */
  idColumn: z.string().min(1).optional(),
  /**
   * A follow-up in a finished run's thread: the model this run challenges. The run publishes
   * under that name, scores the champion's current version on its own holdout too, and
   * promotes its model only when it scores better (the champion's version is kept either way).
   */
  champion: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
    .optional(),
  /** An Excel workbook's sheet to read ("use the sheet Sales"); default: the first sheet with data. */
  sheet: z.string().min(1).max(100).optional(),
  /** Synthesis (`kind: 'synthesize'`): rows to make; default from the goal, else the table's size. */
  rows: z.number().int().positive().optional(),
  /** Registry name to deploy under; derived from the file and target when absent. */
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
    .optional(),
});
export type RunOptions = z.infer<typeof RunOptionsSchema>;

export const OriginSchema = z.object({
  platform: z.enum(['terminal', 'slack', 'discord']),
  /** Slack team (workspace) id or Discord guild id: who owns the model names it publishes. */
  team: z.string().optional(),
  channel: z.string().optional(),
  /** The channel the conversation lives in when `channel` is a thread (Discord). */
  space: z.string().optional(),
  thread: z.string().optional(),
  user: z.string().optional(),
});

export type Origin = z.infer<typeof OriginSchema>;

export const RunRequestSchema = z.object({
  runId: z.string().regex(/^[A-Za-z0-9_-]{4,64}$/),
  dataset: z.object({
    /** Key of the uploaded file in the artifact store (`uploads/<run>/<file>`). */
    ref: z.string().min(1),
    /** The name the user gave the file (for messages and the default model name). */
    filename: z.string().min(1),
  }),
  goal: z.string().min(1).max(2000),
  options: RunOptionsSchema,
  /** The kind of work (WorkKindSchema); absent: the goal router decides in the worker, a model for `ouro run`. */
  kind: WorkKindSchema.optional(),
  origin: OriginSchema.default({ platform: 'terminal' }),
  idempotencyKey: z.string().optional(),
});
export type RunRequest = z.infer<typeof RunRequestSchema>;
