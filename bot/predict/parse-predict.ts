/**
 * `/predict` arguments: nothing (list the models), a model name (describe it), or a model and
 * one row as JSON or `column=value` pairs; `--share` shows the answer to the channel.
 */
export type PredictCommand =
  | { kind: 'list'; share: boolean }
  | { kind: 'describe'; model: string; share: boolean }
  | { kind: 'predict'; model: string; rows: Record<string, unknown>[]; share: boolean }
  /** `key <model>`: collect a new model's key whose direct message failed (bot/held-keys.ts). */
  | { kind: 'key'; model: string }
  | { kind: 'error'; message: string };

export const PREDICT_USAGE =
  'Usage: `/predict` lists the models · `/predict <model>` shows its inputs · `/predict <model> age=41 plan="pro plus"` or `/predict <model> {"age": 41, "plan": "pro plus"}` predicts · add `--share` to show the answer to the channel.';

const MAX_ROWS = 20;

function unquote(v: string): string | null {
  if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) {
    const inner = v.slice(1, -1);
    return v.startsWith('"') ? inner.replace(/\\(["\\])/g, '$1') : inner;
  }
  return v === '' || v.toLowerCase() === 'null' ? null : v;
}

export function parsePredictCommand(input: string): PredictCommand {
  // Chat clients turn quotes into curly ones and may wrap the text in a code span.
  let text = input
    .replace(/[“”]/g, '"')
    .replace(/[‘’]/g, "'")
    .replace(/^`+|`+$/g, '')
    .trim();
  let share = false;
  text = text
    .replace(/(^|\s)--share(?=\s|$)/g, () => {
      share = true;
      return ' ';
    })
    .trim();
  if (text === '') return { kind: 'list', share };
  const key =
    /^key\s+([a-z0-9][a-z0-9-]{0,62})$/.exec(text) ?? /^([a-z0-9][a-z0-9-]{0,62})\s+key$/.exec(text);
  if (key !== null) return { kind: 'key', model: key[1]! };
  const m = /^(\S+)\s*([\s\S]*)$/.exec(text)!;
  const model = m[1]!;
  const rest = m[2]!.trim();
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(model))
    return {
      kind: 'error',
      message: `"${model}" is not a model name (lowercase letters, digits and dashes). ${PREDICT_USAGE}`,
    };
  if (rest === '') return { kind: 'describe', model, share };

  if (rest.startsWith('{') || rest.startsWith('[')) {
    let doc: unknown;
    try {
      doc = JSON.parse(rest);
    } catch (err) {
      return {
        kind: 'error',
        message: `That is not valid JSON (${(err as Error).message}). Use an object such as {"age": 41} or column=value pairs.`,
      };
    }
    const rows = Array.isArray(doc) ? doc : [doc];
    if (rows.length === 0 || rows.length > MAX_ROWS)
      return {
        kind: 'error',
        message: `Send between 1 and ${MAX_ROWS} rows from chat; use the API for more.`,
      };
    if (!rows.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r)))
      return { kind: 'error', message: 'Each row must be a JSON object of column: value.' };
    return { kind: 'predict', model, rows: rows as Record<string, unknown>[], share };
  }

  const row: Record<string, unknown> = {};
  const pair = /\s*([^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/y;
  let at = 0;
  while (at < rest.length) {
    pair.lastIndex = at;
    const p = pair.exec(rest);
    if (p === null) {
      const bad = rest.slice(at).trim().split(/\s+/)[0];
      return {
        kind: 'error',
        message: `I could not read \`${bad}\`: give column=value pairs (quote values with spaces: plan="pro plus") or one JSON object.`,
      };
    }
    row[p[1]!] = unquote(p[2]!);
    at = pair.lastIndex;
    while (at < rest.length && /\s/.test(rest[at]!)) at++;
  }
  return { kind: 'predict', model, rows: [row], share };
}
