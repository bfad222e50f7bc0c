import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OuroError } from '../../core/errors.ts';
import { runPaths } from '../../core/run-paths.ts';
import { RunRequestSchema, type RunRequest } from '../../core/schemas/run-request.ts';
import { writeJsonAtomic } from '../../core/store/json-file.ts';
import { kindOf } from '../kinds/kinds.ts';
import { openJournal } from './journal-file.ts';
import type { LoopContext, LoopDeps, RunContext, RunOutcome } from './loop-types.ts';
import { deliver } from './steps/deliver.ts';
import { experimentLoop } from './steps/experiment-loop.ts';
import { announce } from './steps/intake.ts';
import { judgeOnHoldout } from './steps/judge.ts';
import { planRun } from './steps/plan.ts';
import { profileInput } from './steps/profile.ts';
import { publishBest } from './steps/publish.ts';
import { splitHoldout } from './steps/split.ts';
import { understandOrAsk } from './steps/understand.ts';

export type { LoopDeps, RunOutcome } from './loop-types.ts';
export { inputPath } from './steps/intake.ts';
export { NOT_DEPLOYED_FILE } from './steps/judge.ts';
export { defaultModelName } from './steps/publish.ts';
export { whereTheTimeWent } from './time-report.ts';

/**
 * The loop of docs/architecture.md ("The loop") for one run: intake → profile → goal → split →
 * plan → experiment loop → judge on the holdout → publish → deliver, each step a function of
 * its own module under steps/, the kind of work (worker/kinds/) consulted where kinds differ.
 * Every step is journaled, so a run killed at any point resumes where it was without repeating
 * finished experiments.
 */
export async function runLoop(requestInput: RunRequest, deps: LoopDeps): Promise<RunOutcome> {
  const request = RunRequestSchema.parse(requestInput);
  const paths = runPaths(deps.config.OURO_HOME, request.runId);
  const started = performance.now();
  const journal = await openJournal(paths, request);
  const priorElapsed = journal.elapsedMs;
  const elapsed = () => priorElapsed + (performance.now() - started);
  const save = async () => {
    journal.elapsedMs = elapsed();
    journal.updatedAt = new Date().toISOString();
    await writeJsonAtomic(paths.journal, journal);
    await deps.checkpoint?.();
  };
  const resumed = journal.nodes.length > 0 || journal.plan !== null;
  const run: RunContext = {
    journal,
    paths,
    request,
    deps,
    emit: deps.events.emit.bind(deps.events),
    elapsed,
    save,
    resumed,
  };

  try {
    await announce(run);
    const profileStart = elapsed();
    const profile = await profileInput(run);
    const profileMs = elapsed() - profileStart;
    const understood = await understandOrAsk(run, profile);
    if ('question' in understood)
      return { status: 'needs_input', journal, card: null, question: understood.question };
    const kind = kindOf(understood.task);
    const splitStart = elapsed();
    const analysis = await splitHoldout(run, understood, kind);
    const splitMs = elapsed() - splitStart;
    const ctx: LoopContext = { ...run, profile, analysis, kind };

    await planRun(ctx, understood);
    const stopWhy = await experimentLoop(ctx);
    const cancelled = deps.signal?.aborted === true;
    await run.emit({ type: 'note', level: 'info', message: `Stopping: ${stopWhy}` });
    const judged = await judgeOnHoldout(ctx, { stopWhy, cancelled, profileMs, splitMs });
    const card = await publishBest(ctx, understood, judged);
    return await deliver(ctx, card, cancelled, judged.challenge);
  } catch (err) {
    return failed(run, err);
  }
}

/** Ends a failed run: its journal saved, a `failed` event with an error a person can act on. */
async function failed(run: RunContext, err: unknown): Promise<RunOutcome> {
  let error: OuroError;
  if (err instanceof OuroError) error = err;
  else {
    // The stack goes to a file in the run folder, not to the person reading the thread.
    const report = join(run.paths.root, 'error.txt');
    await writeFile(report, `${(err as Error).stack ?? String(err)}\n`).catch(() => undefined);
    run.deps.logger.debug({ err }, 'run failed');
    error = new OuroError(
      'internal',
      `ouro hit an internal error (${(err as Error).message.split('\n')[0]?.slice(0, 200)}); details are in ${report}.`,
      { cause: err },
    );
  }
  run.journal.status = 'failed';
  await run.save().catch(() => undefined);
  await run.emit({ type: 'failed', code: error.code, message: error.message }).catch(() => undefined);
  return { status: 'failed', journal: run.journal, card: null, error };
}
