import { WorkKindSchema, type WorkKind } from '../../core/schemas/run-request.ts';
import { parseForecastGoal } from '../kinds/forecast/understand-forecast.ts';

/**
 * The kinds of work a goal can ask for (docs/architecture.md, "Analysis reports"): a model to
 * deploy, a forecast (a model of a series' future), an analysis report, or synthetic rows.
 */
export const WORK_KINDS = WorkKindSchema.options;
export type { WorkKind };

export interface GoalRoute {
  kind: WorkKind;
  /** One line saying which words decided it (or that --kind did). */
  reason: string;
}

// Ordered by how specific the words are: asking for rows is unmistakable, a model verb beats
// the analysis words it often travels with ("predict churn and explain it" wants a model).
const SYNTHESIZE: RegExp[] = [
  /\b(?:make|generate|create|produce|give me|synthesi[sz]e)\s+(?:\d[\d,]*|a few|some|more|many)?\s*(?:k\s+)?(?:synthetic|fake|artificial|similar|new|more)?\s*(?:rows|records|samples|examples|data)\b/i,
  /\bsynthetic\b/i,
  /\bmore (?:examples|rows|samples|cases) of\b/i,
  /\b(?:over|up)-?sampl\w*\b|\baugment\w*\b/i,
  /\banonymi[sz]\w*\b|\bpseudonymi[sz]\w*\b|\bde-?identif\w*\b/i,
  /\b(?:test|dummy|fake|mock) data\b/i,
];

const MODEL: RegExp =
  /\b(predict\w*|classif\w*|(?:build|train|make|fit|deploy)\s+(?:me\s+)?(?:a|an|the)?\s*(?:\w+\s+)?(?:model|classifier|regressor|predictor)|score (?:new|future)|estimate the (?:value|price|cost))\b/i;

const ANALYSIS: RegExp[] = [
  /\b(what|which)\s+(?:\w+\s+){0,2}(drives?|affects?|influences?|explains?|matters?|determines?|causes?|impacts?)\b/i,
  /\b(drivers?|factors?|correlat\w*|associat\w*|relationship|related to|depend\w* on)\b/i,
  /\bwhy\b/i,
  /\b(analy[sz]\w*|explore|exploration|eda|investigate|insights?|summar\w*|describe|overview|report|look (?:at|into)|dig into|tell me about|what(?:'s| is) (?:going on|in (?:this|the)))\b/i,
  /\b(compare|comparison|differ\w*|versus|vs\.?|segments?|breakdown|break down|by (?:region|group|segment|country|month|year|week|category|type|contract|plan))\b/i,
  /\b(how (?:did|does|has|have)\s+(?:\w+\s+){0,3}(?:change|changed|evolve|evolved|grow|grew|fall|fell|drop|dropped|trend\w*))\b/i,
  /\b(trends?|over time|distribution|outliers?|anomal\w*|data quality|missing values|duplicates?)\b/i,
  /\b(rate|share|average|mean|median) (?:of|by|per|across)\b/i,
];

/**
 * Which kind of work a goal asks for, from its words alone (the profile is not read yet).
 * `--kind` wins. A goal with neither model words nor analysis words is a model when it names
 * something to predict-like ("churn") — the long-standing default — but a bare "look at this"
 * or "analyze this" is an analysis.
 */
export function routeGoal(goal: string, explicit?: WorkKind): GoalRoute {
  if (explicit !== undefined) return { kind: explicit, reason: `--kind ${explicit} was given` };
  const text = goal.trim();
  for (const re of SYNTHESIZE) {
    const m = re.exec(text);
    if (m !== null)
      return { kind: 'synthesize', reason: `the goal asks for rows ("${m[0].trim().toLowerCase()}")` };
  }
  const forecast = parseForecastGoal(text);
  const yesNo = /\b(will|whether|churn|leave|default|cancel)\b/i.test(text) && !/\bforecast/i.test(text);
  if (forecast !== null && (forecast.explicit || !yesNo))
    return {
      kind: WorkKindSchema.enum.forecast,
      reason: forecast.explicit
        ? 'the goal says "forecast"'
        : 'the goal asks about the next periods of a series',
    };
  const model = MODEL.exec(text);
  if (model !== null)
    return { kind: 'model', reason: `the goal asks for a model ("${model[0].trim().toLowerCase()}")` };
  for (const re of ANALYSIS) {
    const m = re.exec(text);
    if (m !== null)
      return {
        kind: 'analysis',
        reason: `the goal is a question about the data ("${m[0].trim().toLowerCase()}"), answered with a report`,
      };
  }
  // Nothing but a thing to look at ("this", "here you go", "sales.csv"): a report, not a guess at a target.
  const words = text
    .toLowerCase()
    .replace(/[^a-z0-9\s]/g, ' ')
    .split(/\s+/)
    .filter((w) => w.length > 0 && !FILLER.has(w));
  if (words.length === 0)
    return {
      kind: 'analysis',
      reason: 'the goal names nothing to predict, so the answer is a report on the data',
    };
  return { kind: 'model', reason: 'the goal names something to predict and no question about the data' };
}

const FILLER = new Set([
  'look',
  'at',
  'this',
  'that',
  'these',
  'the',
  'data',
  'file',
  'here',
  'please',
  'pls',
  'can',
  'you',
  'could',
  'check',
  'out',
  'see',
  'attached',
  'a',
  'it',
  'is',
  'what',
  'hey',
  'hi',
  'ouro',
  'csv',
  'table',
  'dataset',
  'me',
  'for',
  'thanks',
  'some',
  'of',
  'go',
  'you',
  'take',
  'glance',
  'quick',
  'over',
  'there',
  'its',
  'i',
  'got',
  'have',
  'and',
]);

/** Parses `--kind`; null when the word is not a kind. */
export function parseWorkKind(word: string): WorkKind | null {
  const w = word.trim().toLowerCase();
  const alias: Record<string, WorkKind> = {
    synth: 'synthesize',
    synthesise: 'synthesize',
    synthetic: 'synthesize',
    report: 'analysis',
    analyze: 'analysis',
    analyse: 'analysis',
    train: 'model',
  };
  return (WORK_KINDS as readonly string[]).includes(w) ? (w as WorkKind) : (alias[w] ?? null);
}
