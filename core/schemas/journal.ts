import { z } from 'zod';
import { DiagnosisSchema } from './diagnosis.ts';
import { MetricSchema, TaskSchema } from './task.ts';
import { RunRequestSchema } from './run-request.ts';

export const OperatorSchema = z.enum(['draft', 'fix', 'improve', 'tune', 'search', 'ensemble']);
export type Operator = z.infer<typeof OperatorSchema>;

/**
 * How the script of an experiment was put together. The heuristic brain fills it in
 * from its playbook; an LLM brain may leave `recipe` empty and only hand over code.
 */
export const RecipeSchema = z.object({
  family: z.string(),
  params: z.record(z.string(), z.unknown()).default({}),
  /** Defensive steps switched on in the script (impute, encode, handle_unknown, ...). */
  guards: z.array(z.string()).default([]),
  dropColumns: z.array(z.string()).default([]),
  /** Subsample the training rows to this many (memory / time fixes). */
  maxRows: z.number().int().positive().optional(),
  folds: z.number().int().min(2).max(10).default(5),
  /** Boosters: grow trees until a held-out tenth stops improving (ouro_harness.choose_rounds) instead of a fixed count. */
  earlyStopping: z.boolean().optional(),
  /** High-cardinality categoricals encoded by their target mean, fitted inside each CV fold (sklearn TargetEncoder). */
  targetEncode: z.array(z.string()).optional(),
  /** Free-text columns turned into TF-IDF word and bigram weights, fitted inside each CV fold. */
  textColumns: z.array(z.string()).optional(),
  /** Threads for the model's own parallelism (boosters, forests); the sandbox's CPUs at most. */
  threads: z.number().int().min(1).max(64).optional(),
  /** Node ids whose recipes are averaged (ensembles only). */
  members: z.array(z.string()).default([]),
});
export type Recipe = z.infer<typeof RecipeSchema>;

export const PlanSchema = z.object({
  target: z.string(),
  targetReason: z.string(),
  task: TaskSchema,
  metric: MetricSchema,
  metricReason: z.string(),
  families: z.array(z.object({ family: z.string(), why: z.string() })),
  dropColumns: z.array(z.object({ column: z.string(), why: z.string() })),
  /** Features a data scientist would add, chosen from the profile, each with its why. */
  featureSteps: z
    .array(
      z.object({
        kind: z.enum(['target_encode', 'text_tfidf', 'date_parts']),
        columns: z.array(z.string()),
        why: z.string(),
      }),
    )
    .optional(),
});
export type Plan = z.infer<typeof PlanSchema>;

export const NodeSchema = z.object({
  id: z.string(),
  parent: z.string().nullable(),
  operator: OperatorSchema,
  hypothesis: z.string(),
  recipe: RecipeSchema,
  /** Path of the experiment folder, relative to the run folder. */
  dir: z.string(),
  status: z.enum(['running', 'succeeded', 'failed']),
  cv: z.object({ mean: z.number(), std: z.number(), folds: z.number().int() }).nullable(),
  diagnosis: DiagnosisSchema.nullable(),
  /** One line the brain reads back later: what this experiment taught. */
  finding: z.string(),
  durationMs: z.number().nonnegative(),
  startedAt: z.string(),
});
export type JournalNode = z.infer<typeof NodeSchema>;

export const JournalSchema = z.object({
  version: z.literal(1),
  request: RunRequestSchema,
  /** `needs_input`: the run ended with a question about the goal (a `question` event). */
  status: z.enum(['running', 'validating', 'succeeded', 'failed', 'cancelled', 'needs_input']),
  plan: PlanSchema.nullable(),
  nodes: z.array(NodeSchema),
  bestNodeId: z.string().nullable(),
  /** Steering messages already applied (the control stream replays from its start on resume). */
  steering: z.array(z.string()).default([]),
  /** Families a person asked for or ruled out in the thread. */
  prefer: z.array(z.string()).default([]),
  forbid: z.array(z.string()).default([]),
  /** Run time already spent by earlier attempts (resume keeps the budget honest). */
  elapsedMs: z.number().nonnegative(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Journal = z.infer<typeof JournalSchema>;
