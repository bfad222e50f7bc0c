import { RunOptionsSchema, type RunOptions } from '../core/schemas/run-request.ts';
import type { RunThread } from './run-thread-store.ts';
import type { RunThreads } from './run-threads.ts';

/**
 * What a new run in an earlier run's thread is (docs/slack.md, docs/discord.md: "Follow-ups"):
 * - `busy`: the earlier run is still going; one run per thread at a time.
 * - `challenge`: the earlier run left a model; the new run trains the same goal (same target,
 *   metric and forecasting options) on the new data and challenges that model: it is scored
 *   against it on the new holdout and replaces it only when better (worker/loop/challenge-champion.ts).
 * - `fresh`: nothing to challenge (the run failed, asked, or was not deployed): a plain run,
 *   with the earlier goal when the message names none.
 */
export type FollowUp =
  | { kind: 'busy' }
  | { kind: 'fresh'; goal: string; base: Partial<RunOptions> }
  | { kind: 'challenge'; goal: string; champion: string; base: Partial<RunOptions> };

export async function followUpOf(threads: RunThreads, prior: RunThread): Promise<FollowUp> {
  const view = await threads.view(prior);
  if (!prior.done && view.state !== 'asking' && view.state !== 'failed' && view.state !== 'finished')
    return { kind: 'busy' };
  // The earlier request's options (forecast horizon, date and id columns, brain, seed), less what is per run or per file.
  const {
    name: _name,
    champion: _champion,
    target: _target,
    assumeYes: _yes,
    sheet: _sheet,
    ...kept
  } = prior.request?.options ??
  RunOptionsSchema.parse({ budgetSeconds: prior.budgetSeconds, maxExperiments: prior.maxExperiments });
  const base: Partial<RunOptions> = {
    ...kept,
    budgetSeconds: prior.budgetSeconds,
    maxExperiments: prior.maxExperiments,
  };
  // A thread whose last run was a challenger that lost still has its champion.
  const champion = view.deployed?.name ?? view.challenge?.name ?? null;
  if (champion === null || view.card === null) return { kind: 'fresh', goal: prior.goal, base };
  return {
    kind: 'challenge',
    goal: prior.goal,
    champion,
    base: { ...base, target: view.card.target, metric: view.card.metric },
  };
}

/** The new run's options: the earlier run's, what the person wrote now over them, and the champion to beat. */
export function followUpOptions(
  f: Exclude<FollowUp, { kind: 'busy' }>,
  written: Partial<RunOptions>,
  budgetSeconds?: number,
): RunOptions {
  const options = { ...f.base, ...written, ...(budgetSeconds !== undefined ? { budgetSeconds } : {}) };
  // A challenger is published under its champion's name, whatever the message said.
  return RunOptionsSchema.parse(
    f.kind === 'challenge' ? { ...options, champion: f.champion, name: f.champion } : options,
  );
}

export const BUSY_TEXT =
  'A run is still going in this thread (`status` shows where it is). Wait for it to finish, or `stop` it, then mention me with the file again.';
