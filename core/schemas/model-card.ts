import { z } from 'zod';
import { MetricSchema, TaskSchema } from './task.ts';
import { SeriesAxisSchema } from './series-axis.ts';

/** What the LLM brain spent on a run (absent for the heuristic brain). */
export const BrainUsageSchema = z.object({
  model: z.string(),
  calls: z.number().int().nonnegative(),
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
  totalTokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
  /** False when the model has no entry in OURO_LLM_PRICES: the cost is then unknown, not zero. */
  priced: z.boolean(),
  /** Per decision type (plan, next, script, diagnose). */
  byDecision: z.record(
    z.string(),
    z.object({
      calls: z.number().int(),
      promptTokens: z.number().int(),
      completionTokens: z.number().int(),
      costUsd: z.number(),
    }),
  ),
  /** The cap that ended the run, when one did. */
  capped: z.string().nullable(),
  /** Why the heuristic brain took over, when it did. */
  fellBack: z.string().nullable(),
});
export type BrainUsage = z.infer<typeof BrainUsageSchema>;

export const ModelCardSchema = z.object({
  name: z.string(),
  version: z.number().int().positive(),
  runId: z.string(),
  createdAt: z.string(),
  task: TaskSchema,
  target: z.string(),
  metric: MetricSchema,
  holdout: z.object({
    score: z.number(),
    baseline: z.number(),
    rows: z.number().int(),
    /** Every metric of the task on the holdout, for the card and the model page. */
    all: z.record(z.string(), z.number()),
  }),
  cv: z.object({ mean: z.number(), std: z.number(), folds: z.number().int() }),
  family: z.string(),
  /** The winning experiment's script, relative to the registry version folder. */
  script: z.string(),
  data: z.object({
    file: z.string(),
    rows: z.number().int(),
    columns: z.number().int(),
    trainRows: z.number().int(),
    holdoutRows: z.number().int(),
    seed: z.number().int(),
  }),
  experiments: z.object({ tried: z.number().int(), succeeded: z.number().int(), failed: z.number().int() }),
  durationMs: z.number(),
  findings: z.array(z.string()),
  inputs: z.array(z.object({ name: z.string(), dtype: z.string() })),
  classes: z.array(z.string()).nullable(),
  /** Who the name belongs to (core/model-owner.ts); absent on models from before owners: the operator's. */
  owner: z
    .object({
      platform: z.enum(['terminal', 'slack', 'discord']),
      team: z.string().optional(),
      channel: z.string().optional(),
    })
    .optional(),
  usage: BrainUsageSchema.optional(),
  /** Forecasting models: how the series were read and what the model answers. */
  forecast: SeriesAxisSchema.extend({
    horizon: z.number().int(),
    series: z.number().int(),
    /** The forecast against the holdout, a PNG beside card.json (null when it could not be drawn). */
    chart: z.string().nullable(),
  }).optional(),
});
export type ModelCard = z.infer<typeof ModelCardSchema>;
