import { seededRandom } from '../../../core/seeded-random.ts';
import { familyUse } from '../../../core/catalog/family-lookup.ts';
import type { SearchDim } from '../../../core/catalog/families.ts';
import { taskTraits, type Task } from '../../../core/schemas/task.ts';

/**
 * The search that spends the budget left after the playbook: a cost-frugal local search in the
 * spirit of FLAML's CFO. Each trial moves from the family's best configuration so far in a
 * random direction (log scale where a parameter spans decades); the step shrinks as trials
 * accumulate. Seeded, so a resumed run proposes the same trials.
 */

type Dim = SearchDim;

/** The family's search space from the catalog (core/catalog/families.ts), null when it has none. */
function space(family: string, task: Task): Dim[] | null {
  return familyUse(family, taskTraits(task).kind)?.search?.dims(task !== 'regression') ?? null;
}

export function searchable(family: string, task: Task): boolean {
  return space(family, task) !== null;
}

function toUnit(d: Dim, v: number): number {
  const x = Math.min(d.hi, Math.max(d.lo, v));
  return d.log ? Math.log(x / d.lo) / Math.log(d.hi / d.lo) : (x - d.lo) / (d.hi - d.lo);
}

function fromUnit(d: Dim, u: number): number {
  const c = Math.min(1, Math.max(0, u));
  const v = d.log ? d.lo * Math.pow(d.hi / d.lo, c) : d.lo + c * (d.hi - d.lo);
  return d.int ? Math.round(v) : Number(v.toPrecision(3));
}

/**
 * The next trial's parameters for `family`: a step from `incumbent` (the family's best
 * parameters so far). `trial` counts this family's search trials; the step shrinks from 0.3
 * to 0.08 of each parameter's range over them.
 */
export function proposeTrial(
  family: string,
  task: Task,
  incumbent: Record<string, unknown>,
  trial: number,
  seed: number,
): Record<string, unknown> | null {
  const dims = space(family, task);
  if (dims === null) return null;
  const random = seededRandom(seed * 7919 + trial * 104_729 + family.length);
  const start = familyUse(family, taskTraits(task).kind)?.search?.start ?? {};
  const step = Math.max(0.08, 0.3 * Math.pow(0.85, trial));
  // A random direction on the unit sphere, scaled by the step (CFO's randomized direct search).
  const direction = dims.map(() => {
    const u = Math.max(1e-12, random());
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  });
  const norm = Math.sqrt(direction.reduce((s, x) => s + x * x, 0)) || 1;
  const params: Record<string, unknown> = {
    ...(familyUse(family, taskTraits(task).kind)?.search?.fixed ?? {}),
  };
  dims.forEach((d, i) => {
    const current =
      typeof incumbent[d.name] === 'number'
        ? (incumbent[d.name] as number)
        : (start[d.name] ?? (d.lo + d.hi) / 2);
    params[d.name] = fromUnit(
      d,
      toUnit(d, current) + ((step * direction[i]!) / norm) * Math.sqrt(dims.length),
    );
  });
  if (family === 'linear' && task !== 'regression') params.max_iter = 3000;
  return params;
}
