import { join } from 'node:path';
import { familyLabel } from '../../../core/catalog/family-lookup.ts';
import { OuroError } from '../../../core/errors.ts';
import type { Journal, JournalNode } from '../../../core/schemas/journal.ts';
import { isBetter, taskTraits } from '../../../core/schemas/task.ts';
import { writeJsonAtomic } from '../../../core/store/json-file.ts';
import { UntrustedFileError } from '../../../core/untrusted-files.ts';
import { recomputeBest } from '../../steering/best-model.ts';
import { preferBlend } from '../../steering/final-choice.ts';
import type { LoopContext } from '../loop-types.ts';
import { whereTheTimeWent } from '../time-report.ts';
import { validateOnHoldout, type HoldoutScores } from '../validate-holdout.ts';
import { challengeChampion } from '../challenge-champion.ts';

/** Beside the journal when the best model was not deployed: why, and what the run tried. */
export const NOT_DEPLOYED_FILE = 'not-deployed.json';

export interface Judged {
  best: JournalNode;
  scores: HoldoutScores;
  /** Why the model is no better than the baseline, when it is not (deployed anyway on request). */
  baselineVerdict: { why: string; tried: string[] } | null;
  /** A follow-up's verdict against the model it would replace (null when the run challenges nothing). */
  challenge: { promoted: boolean } | null;
}

/**
 * Judges the best model on the holdout: a fresh sandbox predicts the holdout features, the host
 * scores them against the vault (the kind's scorer). A model whose predictions the host refuses
 * fails alone and the next best is judged (at most three tries). A model no better than the
 * baseline is not published (error `not_better_than_baseline`) unless the run asked for it.
 */
export async function judgeOnHoldout(
  ctx: LoopContext,
  run: { stopWhy: string; cancelled: boolean; profileMs: number; splitMs: number },
): Promise<Judged> {
  const { journal, deps, paths, analysis, request, emit } = ctx;
  const plan = journal.plan!;
  journal.status = 'validating';
  await ctx.save();
  const validationStart = ctx.elapsed();
  const choice = preferBlend(journal);
  if (choice !== null) {
    journal.bestNodeId = choice.node.id;
    await ctx.save();
    await emit({ type: 'note', level: 'info', message: choice.why });
  }
  let validated: { best: JournalNode; scores: HoldoutScores } | undefined;
  for (let attempt = 1; validated === undefined; attempt++) {
    const best = journal.nodes.find((n) => n.id === journal.bestNodeId);
    if (best === undefined) {
      const ranOut = /time budget/.test(run.stopWhy);
      throw new OuroError(
        'run_failed',
        run.cancelled
          ? 'Cancelled before any experiment produced a model.'
          : ranOut
            ? `No model finished within the budget: ${run.stopWhy} (reading and profiling took ${(run.profileMs / 1000).toFixed(1)} s, splitting ${(run.splitMs / 1000).toFixed(1)} s). Run again with a longer --budget; the journal and every script are kept in the run folder.`
            : 'No experiment produced a usable model; the journal and every script are kept in the run folder.',
      );
    }
    try {
      const scores = await validateOnHoldout({
        driver: deps.driver,
        limits: deps.limits,
        paths,
        modelDir: join(paths.root, best.dir, 'model'),
        analysis,
        metric: plan.metric,
        timeoutMs: Math.max(60_000, deps.config.OURO_EXPERIMENT_TIMEOUT_S * 1000),
      });
      validated = { best, scores };
    } catch (err) {
      if (!(err instanceof UntrustedFileError) || attempt >= 3) throw err;
      best.status = 'failed';
      best.diagnosis = {
        class: 'contract',
        evidence: err.message.slice(0, 300),
        fix: 'predict through ouro_harness and write nothing else',
      };
      best.finding = `contract: ${best.diagnosis.evidence}`;
      recomputeBest(journal);
      await ctx.save();
      await emit({
        type: 'note',
        level: 'warn',
        message: `${best.id}'s model failed validation (${err.message.slice(0, 200)}); validating the next best instead.`,
      });
    }
  }
  const { best, scores } = validated;
  await emit({
    type: 'note',
    level: 'info',
    message: whereTheTimeWent({
      profileMs: run.profileMs,
      splitMs: run.splitMs,
      validationMs: ctx.elapsed() - validationStart,
      totalMs: ctx.elapsed(),
      budgetMs: journal.request.options.budgetSeconds * 1000,
      nodes: journal.nodes,
      resumed: ctx.resumed,
    }),
  });
  await emit({
    type: 'validated',
    node: best.id,
    metric: scores.metric,
    holdout: scores.score,
    baseline: scores.baseline,
    cv: best.cv!.mean,
    all: scores.all,
  });

  // Never deploy worse than the baseline: a model that does not beat predicting the prior
  // (or the mean) on the holdout is not worth serving. Where the baseline is itself a model of
  // the data (seasonal naive forecasts from the series' own history), matching it is enough.
  const beatsBaseline =
    taskTraits(plan.task).gate === 'match'
      ? !isBetter(plan.metric, scores.baseline, scores.score)
      : isBetter(plan.metric, scores.score, scores.baseline);
  const baselineVerdict = beatsBaseline ? null : notBetterThanBaseline(journal, best, scores);
  if (baselineVerdict !== null && request.options.deployAnyway !== true) {
    await writeJsonAtomic(join(paths.root, NOT_DEPLOYED_FILE), {
      ...baselineVerdict,
      holdout: { metric: scores.metric, score: scores.score, baseline: scores.baseline, rows: scores.rows },
      node: best.id,
      family: best.recipe.family,
    });
    await emit({
      type: 'note',
      level: 'warn',
      message: `${baselineVerdict.why} What was tried: ${baselineVerdict.tried.join('; ')}.`,
    });
    throw new OuroError(
      'not_better_than_baseline',
      `${baselineVerdict.why} Nothing was deployed; the scripts and ${NOT_DEPLOYED_FILE} are in the run folder. Run again with more time (--budget), or with --deploy-anyway to deploy it regardless.`,
    );
  }
  if (baselineVerdict !== null)
    await emit({
      type: 'note',
      level: 'warn',
      message: `${baselineVerdict.why} It is deployed anyway, as asked (--deploy-anyway).`,
    });
  // A follow-up challenges the model it would replace, on this run's holdout (challenge-champion.ts).
  const champion = request.options.champion;
  const challenge =
    champion === undefined
      ? null
      : await challengeChampion({
          name: champion,
          challengerScore: scores.score,
          metric: scores.metric,
          store: deps.store,
          driver: deps.driver,
          limits: deps.limits,
          paths,
          analysis,
          timeoutMs: Math.max(60_000, deps.config.OURO_EXPERIMENT_TIMEOUT_S * 1000),
        });
  if (challenge !== null) await emit(challenge.event);
  return { best, scores, baselineVerdict, challenge };
}

/** Why the best model is not worth deploying, and one line per experiment the run tried. */
function notBetterThanBaseline(
  journal: Journal,
  best: JournalNode,
  scores: { metric: string; score: number; baseline: number },
): { why: string; tried: string[] } {
  const task = journal.plan!.task;
  const floor = taskTraits(task).floor;
  const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(1) : n.toFixed(4));
  const why =
    best.recipe.family === 'baseline'
      ? `Only the baseline finished (holdout ${scores.metric} ${fmt(scores.score)}): no model that learns from the data was ready, so there is nothing better than ${floor} to deploy.`
      : `The best model, ${familyLabel(best.recipe.family, task)} (${best.id}), scored ${scores.metric} ${fmt(scores.score)} on the holdout, no better than ${floor} (${fmt(scores.baseline)}), so it is not deployed.`;
  const tried = journal.nodes.map(
    (n) =>
      `${n.id} ${familyLabel(n.recipe.family, task)} ${n.status === 'succeeded' && n.cv !== null ? `CV ${fmt(n.cv.mean)}` : n.status}`,
  );
  return { why, tried };
}
