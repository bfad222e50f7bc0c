/**
 * The vocabulary goal understanding reads a goal with: word forms, synonyms, task words. Kept
 * apart from the scoring (rank-targets.ts) so that a new synonym is a one-line change here.
 */

/** Lower-case words of a text; camelCase and snake_case names split into their parts. */
export function tokens(text: string): string[] {
  return text
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Za-z])(\d)/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/** Case-, space-, underscore- and punctuation-insensitive form used to match names. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[\s_\-.:/()]+/g, '');
}

/** Irregular forms a suffix rule gets wrong; the value is the form the rule would give the base. */
const IRREGULAR: Record<string, string> = {
  denial: 'deny',
  denied: 'deny',
  denies: 'deny',
  left: 'leav',
  leaving: 'leav',
  leaves: 'leav',
  leave: 'leav',
  died: 'die',
  dies: 'die',
  dying: 'die',
  paid: 'pay',
  sold: 'sell',
  sale: 'sell',
  sales: 'sell',
  bought: 'buy',
  survival: 'surviv',
  survivor: 'surviv',
  survivors: 'surviv',
  survive: 'surviv',
  survived: 'surviv',
  approval: 'approv',
  cancellation: 'cancel',
  cancelled: 'cancel',
  canceled: 'cancel',
  women: 'woman',
  men: 'man',
  children: 'child',
  people: 'person',
  churner: 'churn',
  churners: 'churn',
  delinquency: 'delinqu',
  delinquent: 'delinqu',
  delinq: 'delinqu',
};

/** Crude stemming so "churned"/"churn", "prices"/"price", "strengths"/"strength" meet. */
export function stem(word: string): string {
  const w = word.toLowerCase();
  const irregular = IRREGULAR[w];
  if (irregular !== undefined) return irregular;
  if (w.length <= 3) return w;
  return w
    .replace(/(ies)$/, 'y')
    .replace(/(sses)$/, 'ss')
    .replace(/([^s])(es|s)$/, (_m, a: string, b: string) =>
      b === 'es' && /(ch|sh|x|z)$/.test(a) ? a : b === 'es' ? `${a}e` : a,
    )
    .replace(/(ed|ing)$/, '')
    .replace(/e$/, '');
}

/**
 * Words that mean the same target. A goal word and a column word meet when they share a group;
 * the group's name is what the reason says ("\"denial\" is a form of deny").
 */
const SYNONYMS: Record<string, string[]> = {
  deny: [
    'deny',
    'denial',
    'denied',
    'reject',
    'rejected',
    'rejection',
    'approve',
    'approval',
    'approved',
    'accept',
    'accepted',
    'decline',
    'declined',
  ],
  churn: [
    'churn',
    'churned',
    'churner',
    'leave',
    'left',
    'leaving',
    'cancel',
    'cancelled',
    'canceled',
    'cancellation',
    'quit',
    'attrition',
    'exit',
    'exited',
    'retention',
    'retain',
    'stay',
    'defect',
    'lapse',
    'lapsed',
  ],
  price: [
    'price',
    'cost',
    'value',
    'worth',
    'sell',
    'sale',
    'sold',
    'medv',
    'valuation',
    'expensive',
    'charge',
    'charges',
  ],
  default: [
    'default',
    'defaulted',
    'delinquent',
    'delinquency',
    'delinq',
    'repay',
    'repaid',
    'repayment',
    'arrears',
  ],
  survive: [
    'survive',
    'survived',
    'survival',
    'survivor',
    'die',
    'died',
    'death',
    'dead',
    'perish',
    'perished',
  ],
  income: ['income', 'salary', 'wage', 'earn', 'earning', 'earnings', 'pay', 'paid', 'inc'],
  quality: ['quality', 'rating', 'rated', 'grade'],
  species: ['species', 'variety', 'kind'],
  count: ['count', 'cnt', 'riders', 'ridership', 'rides', 'rentals', 'demand', 'trips'],
  diabetes: ['diabetes', 'diabetic'],
  fraud: ['fraud', 'fraudulent', 'scam'],
  spam: ['spam', 'junk'],
  cancer: ['malignant', 'benign', 'tumor', 'tumour', 'cancer'],
  strength: ['strength', 'strong'],
  mileage: ['mileage', 'mpg', 'hwy', 'cty', 'economy'],
};

const GROUP_OF = new Map<string, string>();
for (const [group, words] of Object.entries(SYNONYMS)) for (const w of words) GROUP_OF.set(stem(w), group);

/** The synonym group of a word, by its stem; null when it has none. */
export function synonymGroup(word: string): string | null {
  return GROUP_OF.get(stem(word)) ?? null;
}

/** Two words that are the same word (by stem) or synonyms; says which. */
export function wordsMeet(goalWord: string, columnWord: string): 'same' | 'synonym' | null {
  const a = stem(goalWord);
  const b = stem(columnWord);
  if (a.length >= 2 && a === b) return 'same';
  // A prefix counts for longer words only: "strength" and "strengths" met above; "temp" and "temperature" here.
  if (
    a.length >= 4 &&
    b.length >= 4 &&
    (a.startsWith(b) || b.startsWith(a)) &&
    Math.min(a.length, b.length) / Math.max(a.length, b.length) >= 0.6
  )
    return 'same';
  const g = synonymGroup(goalWord);
  return g !== null && g === synonymGroup(columnWord) ? 'synonym' : null;
}

export type TaskHint = 'classification' | 'regression' | 'count' | 'explain';

const HINTS: [TaskHint, RegExp][] = [
  ['count', /\b(how many|number of|count of)\b/i],
  [
    'regression',
    /\b(how much|how long|how high|how big|how large|amount of|estimate the (value|price|cost)|what (price|value)|regress\w*)\b/i,
  ],
  [
    'classification',
    /\b(classify|classifies|classification|categori[sz]e|whether|will (?:the |a |an |this |that |they |it |he |she )?\w+|is (?:it|this|the \w+) (?:a|an)\b|which (?:\w+ )?(?:will|are|is)|yes\/no|yes or no|true or false|detect|flag|identify|spot|tell (?:apart|if))\b/i,
  ],
  // A question that starts with an auxiliary verb is a yes/no question ("is this email spam?").
  ['classification', /^\s*(is|are|does|do|did|will|would|can|has|have|was|were)\b/i],
  [
    'explain',
    /\b(what drives|what affects|what influences|what explains|drivers of|factors (?:behind|of|that)|explain)\b/i,
  ],
];

/** What the goal's wording says about the kind of answer wanted, and the words that said it. */
export function taskHint(goal: string): { hint: TaskHint; words: string } | null {
  for (const [hint, re] of HINTS) {
    const m = re.exec(goal);
    if (m !== null) return { hint, words: m[0].toLowerCase() };
  }
  return null;
}

/** Words after which the goal lists inputs, not the answer ("predict price from carat and cut"). */
export const FEATURE_MARKERS =
  /\b(from|using|based on|given|with the help of|in terms of|by looking at|depending on)\b/i;

/** Verbs whose object is the answer ("predict X", "what drives X"). "classify X as ..." names the rows instead. */
export const ANSWER_VERBS =
  /\b(predict|predicting|forecast|forecasting|estimate|estimating|model|explain|drives|affects|influences|guess|project|determine)\b/i;
