import { steerableFamilyNames } from '../core/catalog/family-lookup.ts';

/**
 * What a reply in a run's thread asks for. The bot answers `status` itself and stops runs; the
 * rest goes to the worker as steering text, which it understands against the run's columns
 * (worker/steering/parse-steering.ts) and acknowledges with a strategy change or a note.
 * Chatter between people in the thread is not a command.
 */
export type ThreadCommand =
  | { kind: 'stop' }
  | { kind: 'status' }
  | { kind: 'steer'; text: string }
  | { kind: 'explain' }
  | { kind: 'help' }
  | { kind: 'none' }
  /** A finished run's thread: train again on the same file (with this budget), as a challenger to its model. */
  | { kind: 'retrain'; budgetSeconds?: number };

const STOP = /^(stop|cancel|abort|halt|kill it|enough)\b/;
const EXPLAIN = /^(why|explain|how (does|did) (it|this|the model) work|what did you (do|find|learn))\b/;
const STATUS = /^(status|progress|how('?s| is) it going|where are (we|you)|update)\b/;
/** Unaddressed, only the unmistakable words; a mention of the bot may also say `continue` or `run again`. */
const RETRAIN = /^(retrain|re-train|train (it )?again)\b(.*)$/;
const RETRAIN_ADDRESSED =
  /^(retrain|re-train|train (it )?again|continue|keep going|re-?run|run (it )?again)\b(.*)$/;
const DURATION = /(\d+(?:\.\d+)?)\s*(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?)\b/;
const SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** "with 10 minutes", "for 5m", "budget 90s": seconds, or undefined when no duration is said. */
export function retrainBudget(rest: string): number | undefined {
  const m = DURATION.exec(rest);
  if (m === null) return undefined;
  const seconds = Math.round(Number(m[1]) * SECONDS[m[2]![0]!]!);
  return seconds > 0 && seconds <= 24 * 3600 ? seconds : undefined;
}

const STEER =
  /^(use|exclude|drop|ignore|remove|leave out|without|don'?t use|do not use|try|prefer|avoid|skip|no|forbid|never|add|extend|give it|another|plus|more time|metric|optimi[sz]e|judge|score by)\b/;

/** `more time` without a number: half the budget again, at least a minute. */
export function moreTimeSeconds(budgetSeconds: number): number {
  return Math.max(60, Math.round(budgetSeconds / 2));
}

export function parseThreadCommand(
  raw: string,
  opts: { addressed: boolean; budgetSeconds: number },
): ThreadCommand {
  const text = raw.replace(/[“”]/g, '"').replace(/\s+/g, ' ').trim().replace(/^[!/]/, '');
  const lower = text.toLowerCase().replace(/[.!?]+$/, '');
  if (lower.length === 0) return opts.addressed ? { kind: 'help' } : { kind: 'none' };
  if (STOP.test(lower)) return { kind: 'stop' };
  if (STATUS.test(lower)) return { kind: 'status' };
  // Plain chatter often starts with "why": unaddressed, only a bare `why?` / `explain` asks the bot.
  if (EXPLAIN.test(lower) && (opts.addressed || lower === 'why' || lower === 'explain'))
    return { kind: 'explain' };
  if (lower === 'help' || lower === '?') return { kind: 'help' };
  const retrain = (opts.addressed ? RETRAIN_ADDRESSED : RETRAIN).exec(lower);
  if (retrain !== null) {
    const budgetSeconds = retrainBudget(retrain.at(-1) ?? '');
    return budgetSeconds === undefined ? { kind: 'retrain' } : { kind: 'retrain', budgetSeconds };
  }
  if (STEER.test(lower)) {
    if (/^(more time|give it more time|extend)$/.test(lower))
      return { kind: 'steer', text: `add ${moreTimeSeconds(opts.budgetSeconds)}s` };
    return { kind: 'steer', text: text.replace(/^more time\b/i, 'add').replace(/[.!]+$/, '') };
  }
  return opts.addressed ? { kind: 'help' } : { kind: 'none' };
}

/** The families come from the catalog (core/catalog/families.ts), so the help names what steering understands. */
export const THREAD_HELP =
  'In this thread I understand: `stop`, `status`, `why?` (the model, from its card), `use <metric>` (e.g. `use accuracy`), `exclude <column>`, `try <family>` / `avoid <family>` (' +
  steerableFamilyNames().join(', ') +
  '), and `more time` or `add 2m`. Once the run has finished: `retrain with 10 minutes` (the same file again), or mention me with a new file: either trains a challenger, which replaces the model only if it scores better.';
