import { taskTraits, type KindId, type Task } from '../schemas/task.ts';
import { FAMILY_CATALOG, type FamilyUse, type ModelFamily } from './families.ts';

/** Lookups over the catalog of model families (core/catalog/families.ts). */

const BY_ID = new Map(FAMILY_CATALOG.map((f) => [f.id, f]));

export function findFamily(id: string): ModelFamily | undefined {
  return BY_ID.get(id);
}

/** How `id` serves `kind`, or undefined when it does not. */
export function familyUse(id: string, kind: KindId): FamilyUse | undefined {
  return BY_ID.get(id)?.kinds[kind];
}

/** The families that serve `kind`, in catalog order. */
export function familiesOfKind(kind: KindId): ModelFamily[] {
  return FAMILY_CATALOG.filter((f) => f.kinds[kind] !== undefined);
}

/** True when the kind of `task` has a script recipe for `id` (a blend included). */
export function servesTask(id: string, task: Task): boolean {
  return familyUse(id, taskTraits(task).kind) !== undefined;
}

/**
 * What to call a family in messages: its label for the task's kind (forecasting names its
 * families differently), else its first label, else its id.
 */
export function familyLabel(id: string, task?: Task): string {
  const f = BY_ID.get(id);
  if (f === undefined) return id;
  const own = task !== undefined ? f.kinds[taskTraits(task).kind]?.label : undefined;
  return own ?? Object.values(f.kinds)[0]?.label ?? id;
}

/** The bot's short name of a family; an unknown one (an LLM's choice) with its underscores spaced. */
export function familyName(id: string): string {
  return BY_ID.get(id)?.name ?? id.replace(/_/g, ' ');
}

/** The family a thread message names ("try random forest"), by the catalog's aliases in order. */
export function familyNamedIn(text: string): string | null {
  for (const f of FAMILY_CATALOG) if (f.aliases?.test(text)) return f.id;
  return null;
}

/** Families one can ask for in a thread, by their short names, for the help text. */
export function steerableFamilyNames(): string[] {
  return FAMILY_CATALOG.filter((f) => f.aliases !== undefined && f.blend !== true).map((f) => f.name);
}

/** The playbook's first drafts for `task` on `rows` training rows, in order, each with why. */
export function draftFamilies(task: Task, rows: number): { family: string; why: string }[] {
  const kind = taskTraits(task).kind;
  return familiesOfKind(kind)
    .map((f) => ({ f, draft: f.kinds[kind]!.draft }))
    .filter(
      (x): x is { f: ModelFamily; draft: NonNullable<FamilyUse['draft']> } =>
        x.draft !== undefined && (x.draft.maxRows === undefined || rows <= x.draft.maxRows),
    )
    .sort((a, b) => a.draft.rank - b.draft.rank)
    .map(({ f, draft }) => ({ family: f.id, why: draft.why({ task, rows }) }));
}

/** Parameter variants to try when tuning `id` for `task`, most promising first. */
export function tuneVariants(id: string, task: Task, rows: number): Record<string, unknown>[] {
  return familyUse(id, taskTraits(task).kind)?.tune?.({ task, rows }) ?? [];
}

/** A family to switch to when one cannot run here (import) or learns nothing (degenerate). */
export function replacementFamily(failed: string, tried: ReadonlySet<string>, task: Task): string {
  const kind = taskTraits(task).kind;
  const order = familiesOfKind(kind)
    .filter((f) => f.kinds[kind]!.replaceRank !== undefined)
    .sort((a, b) => a.kinds[kind]!.replaceRank! - b.kinds[kind]!.replaceRank!)
    .map((f) => f.id);
  return order.find((f) => f !== failed && !tried.has(f)) ?? (failed === order[0] ? order[1]! : order[0]!);
}
