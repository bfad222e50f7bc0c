import { z } from 'zod';
import { higherIsBetter, metricsForTask, MetricSchema, TASK_TRAITS, TaskSchema } from './task.ts';

/**
 * The words TypeScript and the Python harness must agree on, from the zod schemas: tasks and
 * their kinds, metrics per task and their direction, the input error codes the harness reports.
 * `npm run vocabulary` writes them to sandbox/python/ouro_harness/vocabulary.json, which the
 * harness reads; test/vocabulary.test.ts fails when the checked-in file is stale.
 */

/** Codes of `OURO_INPUT_ERROR <code>: <message>` (ouro_harness/errors.py): the person's input, not ouro, is at fault. */
export const InputErrorCodeSchema = z.enum([
  'input_empty',
  'input_unreadable',
  'input_no_rows',
  'input_too_large',
  'input_columns',
  'target_unusable',
  'series_unusable',
]);
export type InputErrorCode = z.infer<typeof InputErrorCodeSchema>;

export interface Vocabulary {
  tasks: string[];
  task_kinds: Record<string, string>;
  metrics: string[];
  task_metrics: Record<string, string[]>;
  higher_is_better: string[];
  input_error_codes: string[];
}

export function vocabulary(): Vocabulary {
  return {
    tasks: [...TaskSchema.options],
    task_kinds: Object.fromEntries(TaskSchema.options.map((t) => [t, TASK_TRAITS[t].kind])),
    metrics: [...MetricSchema.options],
    task_metrics: Object.fromEntries(TaskSchema.options.map((t) => [t, [...metricsForTask(t)]])),
    higher_is_better: MetricSchema.options.filter(higherIsBetter),
    input_error_codes: [...InputErrorCodeSchema.options],
  };
}

/** The file as written: stable key order, two-space indent, a trailing newline. */
export function vocabularyJson(): string {
  return `${JSON.stringify({ $comment: 'Generated from core/schemas/vocabulary.ts by `npm run vocabulary`; do not edit.', ...vocabulary() }, null, 2)}\n`;
}
