/**
 * How the loop divides its budget. The reserve for validating and publishing the best model
 * scales with the budget: a fixed 10 s left a 20 s run with no time for any model after the
 * baseline (validation itself takes 2–4 s: one sandbox start and a prediction).
 */
export function validationReserveMs(budgetMs: number): number {
  return Math.min(10_000, Math.max(4_000, budgetMs * 0.1));
}

/**
 * The loop starts an experiment only when its estimate, with a 20 % margin for the estimate's
 * error, fits in what is left before the validation reserve; the heuristic brain proposes by
 * the same rule, so it never proposes what the loop would refuse.
 */
export function fitsInTime(estimateMs: number, remainingMs: number): boolean {
  return estimateMs * 1.2 <= remainingMs;
}

/** Below this much budget left, a new experiment is not worth starting (one sandbox start and a small fit). */
export const MIN_EXPERIMENT_MS = 3_000;
