import { z } from 'zod';

/** One generator experiment as the host judged it. */
export const GeneratorTrialSchema = z.object({
  id: z.string(),
  family: z.string(),
  label: z.string(),
  status: z.enum(['succeeded', 'failed']),
  /** The purpose's score (higher is better); null when the experiment failed. */
  score: z.number().nullable(),
  /** Stand-in: TSTR / TRTR. Augmentation: the change in the evaluator's holdout score. */
  utility: z.number().nullable(),
  discriminatorAuc: z.number().nullable(),
  dcrRatio: z.number().nullable(),
  copiesDropped: z.number().int().nonnegative().nullable(),
  seconds: z.number(),
  finding: z.string().optional(),
});
export type GeneratorTrial = z.infer<typeof GeneratorTrialSchema>;

/**
 * What a synthetic dataset is, how it was made and what the host's checks showed — and what
 * they cannot show (docs/architecture.md, "Synthetic data"). Every number is computed by the
 * host or by ouro's own judge step, never taken from the generator.
 */
export const DataCardSchema = z.object({
  runId: z.string(),
  createdAt: z.string(),
  purpose: z.enum(['stand-in', 'augment']),
  purposeWhy: z.string(),
  source: z.object({
    file: z.string(),
    rows: z.number().int(),
    trainRows: z.number().int(),
    holdoutRows: z.number().int(),
  }),
  target: z.string(),
  task: z.enum(['binary', 'multiclass', 'regression']),
  generator: z.object({
    id: z.string(),
    family: z.string(),
    label: z.string(),
    params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  }),
  rows: z.number().int().nonnegative(),
  columns: z.array(z.string()),
  /** Augmentation: the class the new rows belong to. */
  augmentedClass: z.string().nullable(),
  utility: z.object({
    metric: z.string(),
    /** The fixed evaluator trained on the real training rows, scored on the holdout (TRTR). */
    real: z.number(),
    /** Trained on the synthetic rows (stand-in, TSTR) or on real + synthetic (augmentation). */
    synthetic: z.number(),
    /** Stand-in: synthetic / real for a higher-is-better metric. */
    ratio: z.number().nullable(),
    /** Augmentation: how much real + synthetic beat real alone (positive = better). */
    gain: z.number().nullable(),
  }),
  fidelity: z.object({
    meanColumnDistance: z.number(),
    associationGap: z.number(),
    discriminatorAuc: z.number().nullable(),
  }),
  privacy: z.object({
    copiesDropped: z.number().int().nonnegative(),
    dcrSynthetic: z.number().nullable(),
    dcrHoldout: z.number().nullable(),
    dcrRatio: z.number().nullable(),
    closerThanHoldout5pct: z.number().nullable(),
    rareCategories: z.number().int(),
    rareCategoriesReproduced: z.number().int(),
    outlierValues: z.number().int(),
    outlierValuesReproduced: z.number().int(),
  }),
  tried: z.array(GeneratorTrialSchema),
  withheld: z.array(z.object({ column: z.string(), why: z.string() })),
  /** What the checks show and what they cannot: said, never implied. */
  caveats: z.array(z.string()),
  files: z.object({ data: z.string(), chart: z.string().nullable(), script: z.string(), card: z.string() }),
  durationMs: z.number(),
});
export type DataCard = z.infer<typeof DataCardSchema>;
