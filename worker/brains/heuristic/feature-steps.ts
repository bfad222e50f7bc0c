import type { Plan } from '../../../core/schemas/journal.ts';
import type { Profile, TargetAnalysis } from '../../../core/schemas/profile.ts';
import { kindOf } from '../../kinds/kinds.ts';

export type FeatureStep = NonNullable<Plan['featureSteps']>[number];

/** A categorical column with more distinct values than this is encoded by its target mean. */
export const HIGH_CARDINALITY = 30;
/** Tree models read free text as this many SVD components of its TF-IDF weights (dense, few, splittable). */
export const TEXT_COMPONENTS = 64;

/**
 * Features a data scientist would add, read from the profile, each with its why. Every step is
 * part of the model's pipeline, so cross-validation fits it on each fold's training rows only
 * and serving applies the fitted step to raw inputs.
 */
export function chooseFeatureSteps(
  profile: Profile,
  analysis: TargetAnalysis,
  target: string,
  dropped: readonly string[],
): FeatureStep[] {
  if (!kindOf(analysis.task).playbook.featureSteps) return [];
  const usable = profile.columns.filter((c) => c.name !== target && !dropped.includes(c.name));
  const steps: FeatureStep[] = [];
  const many = usable.filter((c) => c.meant === 'categorical' && c.unique > HIGH_CARDINALITY);
  if (many.length > 0) {
    steps.push({
      kind: 'target_encode',
      columns: many.map((c) => c.name),
      why: `${many.map((c) => `"${c.name}" (${c.unique} values)`).join(', ')}: one-hot spreads so many values thin and ordinal codes are arbitrary; each value's mean target, learned on each fold's training rows only (scikit-learn's TargetEncoder, itself cross-fitted), carries the signal in one column`,
    });
  }
  const texts = usable.filter((c) => c.meant === 'text');
  if (texts.length > 0) {
    steps.push({
      kind: 'text_tfidf',
      columns: texts.map((c) => c.name),
      why: `${texts.map((c) => `"${c.name}" (${c.unique} distinct values)`).join(', ')}: free text, several words per value and few values repeated, so no category can carry it; TF-IDF weights of its words and word pairs, learned on each fold's training rows only, feed linear models directly and tree models as ${TEXT_COMPONENTS} SVD components`,
    });
  }
  const dates = usable.filter((c) => c.meant === 'datetime');
  if (dates.length > 0) {
    steps.push({
      kind: 'date_parts',
      columns: dates.map((c) => c.name),
      why: `${dates.map((c) => `"${c.name}"`).join(', ')}: year, month, day, weekday (and hour) and days since 1970, so models see seasons and trends rather than a string`,
    });
  }
  return steps;
}

/** The recipe fields that apply the plan's feature steps. */
export function featureRecipe(plan: Plan): { targetEncode?: string[]; textColumns?: string[] } {
  const of = (kind: FeatureStep['kind']) =>
    (plan.featureSteps ?? []).filter((s) => s.kind === kind).flatMap((s) => s.columns);
  const te = of('target_encode');
  const text = of('text_tfidf');
  return {
    ...(te.length > 0 ? { targetEncode: te } : {}),
    ...(text.length > 0 ? { textColumns: text } : {}),
  };
}
