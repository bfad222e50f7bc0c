import { parseDurationSeconds } from '../../core/duration.ts';
import { MetricSchema, type Metric } from '../../core/schemas/task.ts';

/** What a person asked for in a chat message, with the platform's mentions already removed. */
export interface RunText {
  goal: string;
  options: {
    budgetSeconds?: number;
    maxExperiments?: number;
    metric?: Metric;
    target?: string;
    name?: string;
    sheet?: string;
  };
  /** Options that were written but could not be read, for the reply. */
  problems: string[];
}

const UNIT: Record<string, string> = {
  s: 's',
  sec: 's',
  secs: 's',
  second: 's',
  seconds: 's',
  m: 'm',
  min: 'm',
  mins: 'm',
  minute: 'm',
  minutes: 'm',
  h: 'h',
  hr: 'h',
  hrs: 'h',
  hour: 'h',
  hours: 'h',
};

/**
 * Reads run options out of free text — `budget 2m`, `in 5 minutes`, `max 4 experiments`,
 * `metric mae`, `target churn`, `use the sheet Sales`, and the CLI's `--budget/--max-experiments/--metric/--target/--name/--sheet`
 * — and leaves the rest as the goal.
 */
export function parseRunText(input: string): RunText {
  let text = ` ${input.replace(/[“”]/g, '"').replace(/[‘’]/g, "'").replace(/\s+/g, ' ')} `;
  const options: RunText['options'] = {};
  const problems: string[] = [];
  const take = (re: RegExp, apply: (m: RegExpExecArray) => void) => {
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      apply(m);
      text = text.slice(0, m.index) + ' ' + text.slice(m.index + m[0].length);
      re.lastIndex = 0;
    }
  };

  const setBudget = (raw: string) => {
    const seconds = parseDurationSeconds(raw.replace(/\s+/g, ''));
    if (seconds === null || seconds <= 0) problems.push(`"${raw}" is not a duration (try 90s, 3m or 1h)`);
    else options.budgetSeconds = seconds;
  };
  take(/\s(?:--)?budget[:=]?\s*(\d[\d.]*\s*[a-z]*)(?=[\s,.;]|$)/i, (m) => setBudget(m[1]!.toLowerCase()));
  take(
    /\s(?:in|within|under)\s+(\d+(?:\.\d+)?)\s*(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?)(?=[\s,.;]|$)/i,
    (m) => setBudget(`${m[1]}${UNIT[m[2]!.toLowerCase()]}`),
  );

  const setMax = (raw: string) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0 || n > 500)
      problems.push(`"${raw}" is not a number of experiments (1 to 500)`);
    else options.maxExperiments = n;
  };
  take(/\s--max-experiments[=\s]+(\S+)/i, (m) => setMax(m[1]!));
  take(/\s(?:max(?:imum)?|at most|up to)\s+(\d+)\s+experiments?(?=[\s,.;]|$)/i, (m) => setMax(m[1]!));
  take(/\smax-experiments[:=]?\s*(\d+)/i, (m) => setMax(m[1]!));

  take(/\s(?:--metric[=\s]+|metric[:=]\s*|metric\s+)([a-z0-9_]+)(?=[\s,.;]|$)/i, (m) => {
    const metric = MetricSchema.safeParse(m[1]!.toLowerCase());
    if (metric.success) options.metric = metric.data;
    else problems.push(`"${m[1]}" is not a metric (${MetricSchema.options.join(', ')})`);
  });
  take(
    /\s(?:--target[=\s]+|target[:=]\s*)("[^"]+"|\S+)/i,
    (m) => (options.target = m[1]!.replace(/^"|"$/g, '')),
  );
  // A workbook's sheet: `--sheet Sales`, `sheet: "Q1 sales"`, `use the sheet Sales`, `from the Sales sheet`.
  const unquote = (v: string) => v.replace(/^["']|["']$/g, '');
  // Only with a lead-in, so that "sheet metal" in a goal stays the goal.
  take(
    /\s(?:--sheet[=\s]+|sheet[:=]\s*|(?:use|from|in|on|read)\s+(?:the\s+)?sheet(?:\s+(?:named|called))?\s+)("[^"]+"|'[^']+'|[^\s,;]+)/i,
    (m) => (options.sheet = unquote(m[1]!)),
  );
  take(
    /\s(?:use|from|in|on|read)\s+the\s+("[^"]+"|'[^']+'|[^\s,;]+)\s+sheet(?=[\s,.;]|$)/i,
    (m) => (options.sheet = unquote(m[1]!)),
  );
  take(/\s(?:--name[=\s]+|name[:=]\s*)(\S+)/i, (m) => {
    if (/^[a-z0-9][a-z0-9-]{0,62}$/.test(m[1]!)) options.name = m[1]!;
    else problems.push(`"${m[1]}" is not a model name (lowercase letters, digits and dashes)`);
  });

  const goal = text
    .replace(/\s+([,.;:])/g, '$1')
    .replace(/([,;:])+(\s*[,;:])+/g, '$1')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[,;:.\s]+|[,;:\s]+$/g, '');
  return { goal, options, problems };
}
