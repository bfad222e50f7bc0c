import { z } from 'zod';

/** The crash taxonomy (DESIGN.md §6). Every failed experiment gets exactly one class. */
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
