import { familyNamedIn } from '../../core/catalog/family-lookup.ts';
import { parseDurationSeconds } from '../../core/duration.ts';
import { MetricSchema, type Metric } from '../../core/schemas/task.ts';
import { normalizeName } from '../intake/understand-goal.ts';

/** A steering message from the thread, understood. */
export type Steer =
  | { kind: 'exclude'; column: string }
  | { kind: 'metric'; metric: Metric }
  | { kind: 'prefer'; family: string }
  | { kind: 'forbid'; family: string }
  | { kind: 'budget'; seconds: number }
  | { kind: 'unknown'; text: string };

const METRIC_WORDS: Record<string, Metric> = {
  auc: 'roc_auc',
  rocauc: 'roc_auc',
  roc: 'roc_auc',
  logloss: 'log_loss',
  crossentropy: 'log_loss',
  f1: 'f1_macro',
  macrof1: 'f1_macro',
  f1macro: 'f1_macro',
  accuracy: 'accuracy',
  acc: 'accuracy',
  rmse: 'rmse',
  mae: 'mae',
  r2: 'r2',
  rsquared: 'r2',
  mase: 'mase',
  smape: 'smape',
};

function metricIn(text: string): Metric | null {
  for (const word of text.split(/[^a-z0-9_]+/)) {
    const direct = MetricSchema.safeParse(word);
    if (direct.success) return direct.data;
    const alias = METRIC_WORDS[word.replace(/_/g, '')];
    if (alias !== undefined) return alias;
  }
  return null;
}

/**
 * Understands the steering people type in the thread — "exclude zip", "use MAE",
 * "try random forest", "no linear models", "add 2 minutes" — against the run's columns.
 * One message may carry several instructions separated by commas, "and" or semicolons.
 */
export function parseSteering(text: string, columns: readonly string[]): Steer[] {
  const out: Steer[] = [];
  for (const part of text
    .split(/[,;]|\band\b|\n/i)
    .map((p) => p.trim())
    .filter(Boolean)) {
    const lower = part.toLowerCase();
    const budget =
      /\b(?:add|extend(?: the budget)?(?: by)?|give it|another|more time|plus)\b\s*(?:by\s+)?([\d.]+\s*(?:h|hours?|m|min(?:utes?)?|s|sec(?:onds?)?)?)/.exec(
        lower,
      );
    if (budget) {
      const seconds = parseDurationSeconds(
        budget[1]!
          .replace(/\s+/g, '')
          .replace(/hours?$/, 'h')
          .replace(/min(utes?)?$/, 'm')
          .replace(/sec(onds?)?$/, 's'),
      );
      if (seconds !== null && seconds > 0) {
        out.push({ kind: 'budget', seconds: /^[\d.]+$/.test(budget[1]!.trim()) ? seconds * 60 : seconds });
        continue;
      }
    }
    const exclude =
      /\b(?:exclude|drop|ignore|remove|leave out|without|don'?t use|do not use)\b\s+(?:the\s+)?(?:columns?\s+)?["'`]?(.+?)["'`]?(?:\s+columns?)?$/i.exec(
        part,
      );
    if (exclude) {
      const wanted = normalizeName(exclude[1]!);
      const column = columns.find((c) => normalizeName(c) === wanted);
      if (column !== undefined) {
        out.push({ kind: 'exclude', column });
        continue;
      }
    }
    if (/\b(metric|optimi[sz]e|judge|score by|measure|use)\b/.test(lower)) {
      const metric = metricIn(lower);
      if (metric !== null) {
        out.push({ kind: 'metric', metric });
        continue;
      }
    }
    const family = familyNamedIn(lower);
    if (family !== null) {
      if (/\b(avoid|no|skip|forbid|stop|don'?t|do not|never|without)\b/.test(lower))
        out.push({ kind: 'forbid', family });
      else out.push({ kind: 'prefer', family });
      continue;
    }
    out.push({ kind: 'unknown', text: part });
  }
  return out;
}
