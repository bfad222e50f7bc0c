import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { familyLabel } from '../../../core/catalog/family-lookup.ts';
import { OuroError } from '../../../core/errors.ts';
import type { JournalNode } from '../../../core/schemas/journal.ts';
import { higherIsBetter, isBetter } from '../../../core/schemas/task.ts';
import type { Decision } from '../../brains/brain.ts';
import { checkScore } from '../../diagnosis/classify-crash.ts';
import { eligible, requestedExclusions } from '../../steering/best-model.ts';
import { MIN_EXPERIMENT_MS, validationReserveMs } from '../budget.ts';
import type { LoopContext } from '../loop-types.ts';
import { runExperiment } from '../run-experiment.ts';
import { readExperimentOutputs } from './experiment-outputs.ts';

/**
 * One experiment of a decision: the script (the brain's own, or the kind's writer from the
 * recipe), a journal node, the sandbox run, then its score read through the trust boundary and
 * checked (leakage, degenerate) or its crash diagnosed. Returns why the loop must stop (the run
 * was cancelled, or its budget ran out during the experiment), else null.
 */
export async function tryExperiment(
  ctx: LoopContext,
  decision: Extract<Decision, { kind: 'experiment' }>,
  time: { budgetMs: number; remaining: number },
): Promise<string | null> {
  const { journal, deps, paths, analysis, emit } = ctx;
  const plan = journal.plan!;
  const id = `n${journal.nodes.length + 1}`;
  const dir = join('experiments', id);
  const members = decision.recipe.members.map((m) => {
    const node = journal.nodes.find((n) => n.id === m);
    if (node === undefined) throw new OuroError('internal', `ensemble member ${m} is not in the journal`);
    return {
      id: m,
      recipe: {
        ...node.recipe,
        dropColumns: [...new Set([...node.recipe.dropColumns, ...requestedExclusions(journal)])],
      },
    };
  });
  const script =
    decision.script ??
    ctx.kind.writeScript({
      nodeId: id,
      operator: decision.operator,
      hypothesis: decision.hypothesis,
      task: plan.task,
      recipe: decision.recipe,
      members,
      rows: analysis.trainRows,
    });
  const node: JournalNode = {
    id,
    parent: decision.parent,
    operator: decision.operator,
    hypothesis: decision.hypothesis,
    recipe: decision.recipe,
    dir,
    status: 'running',
    cv: null,
    diagnosis: null,
    finding: '',
    durationMs: 0,
    startedAt: new Date().toISOString(),
  };
  journal.nodes.push(node);
  await ctx.save();
  await emit({
    type: 'experiment.started',
    node: id,
    parent: node.parent,
    operator: node.operator,
    family: node.recipe.family,
    hypothesis: node.hypothesis,
    script: join(dir, 'train.py'),
  });

  // Once a real model exists, one draft may not take more than half of what is left: a slow
  // family (a forest on a big table) must not eat the time for tuning and blending.
  const haveModel = journal.nodes.some((n) => n.status === 'succeeded' && n.recipe.family !== 'baseline');
  const share =
    haveModel && decision.operator === 'draft' && decision.recipe.family !== 'baseline'
      ? time.remaining * 0.5
      : time.remaining;
  const timeoutMs = Math.min(
    deps.config.OURO_EXPERIMENT_TIMEOUT_S * 1000,
    Math.max(MIN_EXPERIMENT_MS, share),
  );
  const run = await runExperiment({
    driver: deps.driver,
    limits: deps.limits,
    dir: join(paths.root, dir),
    script,
    workspace: paths.workspace,
    timeoutMs,
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  node.durationMs = run.result.durationMs;
  if (run.result.cancelled) {
    journal.nodes.pop();
    await rm(join(paths.root, dir), { recursive: true, force: true });
    await ctx.save();
    return 'cancelled on request';
  }

  const baselineNode = journal.nodes.find((n) => n.recipe.family === 'baseline' && n.status === 'succeeded');
  // The experiment's outputs are hostile until read through the trust boundary: a refused or
  // malformed file fails this experiment alone (class `contract`), never the run.
  const metrics = run.complete ? await readExperimentOutputs(join(paths.root, dir), run.evidence) : null;
  if (metrics !== null) {
    node.cv = { mean: metrics.mean, std: metrics.std, folds: metrics.folds };
    const used = analysis.leakageSuspects
      .map((s) => s.column)
      .filter((c) => !node.recipe.dropColumns.includes(c));
    const suspicious = checkScore({
      metric: plan.metric,
      higherIsBetter: higherIsBetter(plan.metric),
      score: metrics.mean,
      baseline: baselineNode?.cv?.mean ?? null,
      leakyColumnsUsed: used,
      family: node.recipe.family,
    });
    if (suspicious !== null) {
      node.status = 'failed';
      node.diagnosis = suspicious;
      node.finding = `${suspicious.class}: ${suspicious.evidence}`;
    } else {
      node.status = 'succeeded';
      node.finding = `${familyLabel(node.recipe.family, plan.task)} ${plan.metric} ${metrics.mean.toFixed(4)} ± ${metrics.std.toFixed(4)}`;
    }
  } else if (
    run.result.timedOut &&
    timeoutMs < deps.config.OURO_EXPERIMENT_TIMEOUT_S * 1000 &&
    time.budgetMs - ctx.elapsed() - validationReserveMs(time.budgetMs) < MIN_EXPERIMENT_MS
  ) {
    // Killed because the run's budget ran out, not because the experiment is too slow.
    journal.nodes.pop();
    await rm(join(paths.root, dir), { recursive: true, force: true });
    await ctx.save();
    return `the time budget of ${journal.request.options.budgetSeconds} s ran out during ${id}, which was stopped`;
  } else {
    node.status = 'failed';
    node.diagnosis = await deps.brain.diagnose(run.evidence, node);
    node.finding = `${node.diagnosis.class}: ${node.diagnosis.evidence}`;
  }
  await ctx.save();

  if (node.status === 'succeeded') {
    await emit({
      type: 'experiment.finished',
      node: id,
      family: node.recipe.family,
      metric: plan.metric,
      cvMean: node.cv!.mean,
      cvStd: node.cv!.std,
      durationMs: node.durationMs,
    });
    const best = journal.nodes.find((n) => n.id === journal.bestNodeId);
    if (eligible(journal, node) && isBetter(plan.metric, node.cv!.mean, best?.cv?.mean)) {
      journal.bestNodeId = id;
      await ctx.save();
      await emit({
        type: 'best.improved',
        node: id,
        family: node.recipe.family,
        metric: plan.metric,
        score: node.cv!.mean,
        previous: best?.cv?.mean ?? null,
      });
    }
  } else {
    await emit({
      type: 'experiment.failed',
      node: id,
      family: node.recipe.family,
      diagnosis: node.diagnosis!,
      durationMs: node.durationMs,
    });
  }
  return null;
}
