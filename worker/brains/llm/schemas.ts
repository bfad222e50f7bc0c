import { z } from 'zod';
import { CrashClassSchema } from '../../../core/schemas/diagnosis.ts';
import { OperatorSchema } from '../../../core/schemas/journal.ts';

/**
 * The shapes the LLM answers in. Every field is required (nullable where optional) and
 * objects are closed, as OpenAI's strict structured outputs demand; the same zod schema
 * validates the reply whatever the server supports.
 */

/** A family name for the journal: `lightgbm`, `random_forest`, `svm`, ... */
export const FAMILY_NAME = /^[a-z][a-z0-9_]{0,39}$/;

export const PlanReplySchema = z.object({
  /** Whether the target, task and metric ouro chose fit the goal and the data. */
  confirmed: z.boolean(),
  /** What looks wrong with them, when something does. */
  concern: z.string().nullable(),
  families: z.array(z.object({ family: z.string(), why: z.string() })),
  dropColumns: z.array(z.object({ column: z.string(), why: z.string() })),
});
export type PlanReply = z.infer<typeof PlanReplySchema>;

export const NextReplySchema = z.object({
  action: z.enum(['experiment', 'stop']),
  /** Why this experiment now, or why stop. */
  why: z.string(),
  operator: OperatorSchema.nullable(),
  parent: z.string().nullable(),
  family: z.string().nullable(),
  hypothesis: z.string().nullable(),
  /** Node ids combined by an ensemble; empty otherwise. */
  members: z.array(z.string()),
  /** Set when this decision changes direction (e.g. from drafting to tuning). */
  strategy: z.object({ from: z.string(), to: z.string(), why: z.string() }).nullable(),
});
export type NextReply = z.infer<typeof NextReplySchema>;

export const ScriptReplySchema = z.object({
  /** The whole train.py. */
  script: z.string(),
  /** The estimator's main hyperparameters, for the journal. */
  params: z.array(z.object({ name: z.string(), value: z.string() })),
});
export type ScriptReply = z.infer<typeof ScriptReplySchema>;

export const DiagnoseReplySchema = z.object({
  /** The targeted fix in one or two sentences. */
  fix: z.string(),
  /** The column the failure is about, when there is one. */
  column: z.string().nullable(),
  /** A class for a crash ouro's classifier could not name; ignored otherwise. */
  crashClass: CrashClassSchema.nullable(),
});
export type DiagnoseReply = z.infer<typeof DiagnoseReplySchema>;
