import { z } from 'zod';
import { DiagnosisSchema } from './diagnosis.ts';
import { ModelCardSchema } from './model-card.ts';
import { OperatorSchema, PlanSchema } from './journal.ts';
import { MetricSchema } from './task.ts';
import { DataCardSchema } from './data-card.ts';

const base = { runId: z.string(), at: z.string() };

/**
 * Everything a run says, in order. Chat renderers are pure functions of this list,
 * so a bot that restarts replays the stream and loses nothing.
 */
export const RunEventSchema = z.discriminatedUnion('type', [
  z.object({
    ...base,
    type: z.literal('accepted'),
    goal: z.string(),
    file: z.string(),
    budgetSeconds: z.number(),
  }),
  z.object({
    ...base,
    type: z.literal('profiled'),
    rows: z.number(),
    columns: z.number(),
    findings: z.array(z.string()),
  }),
  z.object({ ...base, type: z.literal('planned'), plan: PlanSchema, why: z.string() }),
  z.object({
    ...base,
    type: z.literal('experiment.started'),
    node: z.string(),
    parent: z.string().nullable(),
    operator: OperatorSchema,
    family: z.string(),
    hypothesis: z.string(),
    script: z.string(),
  }),
  z.object({
    ...base,
    type: z.literal('experiment.finished'),
    node: z.string(),
    family: z.string(),
    metric: MetricSchema,
    cvMean: z.number(),
    cvStd: z.number(),
    durationMs: z.number(),
  }),
  z.object({
    ...base,
    type: z.literal('experiment.failed'),
    node: z.string(),
    family: z.string(),
    diagnosis: DiagnosisSchema,
    durationMs: z.number(),
  }),
  z.object({
    ...base,
    type: z.literal('strategy.changed'),
    from: z.string(),
    to: z.string(),
    why: z.string(),
  }),
  z.object({
    ...base,
    type: z.literal('best.improved'),
    node: z.string(),
    family: z.string(),
    metric: MetricSchema,
    score: z.number(),
    previous: z.number().nullable(),
  }),
  z.object({
    ...base,
    type: z.literal('validated'),
    node: z.string(),
    metric: MetricSchema,
    holdout: z.number(),
    baseline: z.number(),
    cv: z.number(),
    all: z.record(z.string(), z.number()),
  }),
  z.object({
    ...base,
    type: z.literal('deployed'),
    name: z.string(),
    version: z.number(),
    url: z.string(),
    key: z.string().optional(),
  }),
  /**
   * A follow-up run (options.champion) against the model it challenges: both scored by the host
   * on this run's holdout (the new data's). Only a better challenger is promoted; the champion's
   * version stays in the registry either way (rollback). `champion.score` is null when the
   * champion could not predict the new data (its reason in `why`).
   */
  z.object({
    ...base,
    type: z.literal('challenged'),
    name: z.string(),
    metric: MetricSchema,
    champion: z.object({
      version: z.number().int().positive(),
      score: z.number().nullable(),
      why: z.string().optional(),
    }),
    challenger: z.object({ score: z.number() }),
    promoted: z.boolean(),
  }),
  z.object({ ...base, type: z.literal('finished'), card: ModelCardSchema }),
  z.object({ ...base, type: z.literal('failed'), code: z.string(), message: z.string() }),
  z.object({ ...base, type: z.literal('cancelled'), reason: z.string() }),
  /**
   * The goal does not settle the target, so the run asks instead of guessing and ends here. The
   * answer starts a new run with `--target` (the bot resubmits; the CLI prints the command).
   */
  z.object({
    ...base,
    type: z.literal('question'),
    about: z.literal('target'),
    why: z.enum(['nothing_named', 'close', 'unusable', 'absent']),
    message: z.string(),
    /** The likeliest answers, best first, each with why. */
    candidates: z.array(z.object({ column: z.string(), reason: z.string() })),
    /** Every column the answer may name. */
    columns: z.array(z.string()),
  }),
  /**
   * An analysis run's end (docs/architecture.md, "Analysis reports"): the report is published.
   * `answer` and `highlights` passed the number checker; `charts` are paths under the report folder.
   */
  z.object({
    ...base,
    type: z.literal('report.published'),
    report: z.string(),
    question: z.string(),
    /** Where `ouro serve` shows it (/reports/{id}); null when no server URL is known. */
    url: z.string().nullable(),
    /** The report folder and its findings.json (the ledger) on the host that ran it. */
    path: z.string(),
    findings: z.string(),
    answer: z.string(),
    highlights: z.array(z.object({ text: z.string(), finding: z.string() })),
    charts: z.array(z.object({ path: z.string(), title: z.string() })),
    pdf: z.boolean(),
  }),
  z.object({ ...base, type: z.literal('note'), level: z.enum(['info', 'warn']), message: z.string() }),
  /** A synthesis run's end: the dataset, where it is, and its data card (docs/architecture.md, "Synthetic data"). */
  z.object({
    ...base,
    type: z.literal('dataset.published'),
    /** Path of the file on the host that made it (under OURO_HOME), or its artifact-store key. */
    path: z.string(),
    /** A download link (`ouro serve`, same auth as model pages) when one is configured. */
    url: z.string().nullable(),
    filename: z.string(),
    format: z.enum(['csv', 'parquet', 'xlsx']),
    bytes: z.number().int().nonnegative(),
    card: DataCardSchema,
  }),
  /** One LLM decision's spend (all its calls, retries included) and the run's total so far. */
  z.object({
    ...base,
    type: z.literal('brain.usage'),
    decision: z.enum(['plan', 'next', 'script', 'diagnose']),
    model: z.string(),
    calls: z.number().int().nonnegative(),
    promptTokens: z.number().int().nonnegative(),
    completionTokens: z.number().int().nonnegative(),
    costUsd: z.number().nonnegative(),
    totalTokens: z.number().int().nonnegative(),
    totalCostUsd: z.number().nonnegative(),
  }),
]);
export type RunEvent = z.infer<typeof RunEventSchema>;
export type RunEventType = RunEvent['type'];

/** An event as emitted, before the bus stamps the run id and time. */
export type RunEventInput = RunEvent extends infer E
  ? E extends RunEvent
    ? Omit<E, 'runId' | 'at'>
    : never
  : never;
