import type { Task } from '../schemas/task.ts';

/** Small helpers the catalog's script specs and the script writer share to write Python. */

/** True for the tasks a classifier serves. */
export const classifier = (task: Task): boolean => task !== 'regression';

/** A value as a Python literal. */
export function py(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(py).join(', ')}]`;
  return JSON.stringify(value);
}

/**
 * Parameters as Python keyword arguments (`a=1, b="x"`). Each name in `constants` stands for
 * the script's constant of that name, not a string: with `['SEED']`, `{ random_state: 'SEED' }`
 * becomes `random_state=SEED`.
 */
export function kwargs(params: Record<string, unknown>, constants: readonly string[] = []): string {
  const text = Object.entries(params)
    .map(([k, v]) => `${k}=${py(v)}`)
    .join(', ');
  return constants.reduce((t, name) => t.replace(`"${name}"`, name), text);
}

/** The forecasters' constructor arguments every forecasting script passes first. */
export const FORECAST_ARGS = 'info["frequency"], info["season_length"]';

/** `, k=v` for each parameter: keyword arguments after a forecaster's fixed ones. */
export function moreKwargs(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `, ${k}=${py(v)}`)
    .join('');
}
