import { basename, join } from 'node:path';
import { OuroError } from '../../../core/errors.ts';
import { ownerOf } from '../../../core/model-owner.ts';
import { publishModel, slugifyModelName, type PublishInput } from '../../../core/registry.ts';
import type { RunEventInput } from '../../../core/schemas/events.ts';
import type { JournalNode } from '../../../core/schemas/journal.ts';
import type { ModelCard } from '../../../core/schemas/model-card.ts';
import { readUntrustedJson } from '../../../core/untrusted-files.ts';
import type { GoalUnderstanding } from '../../intake/understand-goal.ts';
import type { LoopContext } from '../loop-types.ts';
import { SignatureFileSchema } from './experiment-outputs.ts';
import type { Judged } from './judge.ts';

/** The default registry name: file name plus target, e.g. `pima-diabetes-diabetes`. */
export function defaultModelName(filename: string, target: string): string {
  const file = slugifyModelName(basename(filename));
  const tgt = slugifyModelName(target);
  return file.endsWith(tgt) ? file : slugifyModelName(`${file}-${tgt}`);
}

/**
 * Publication: the kind's trusted steps after judging (a chart, a refit), then the model, its
 * script and a card go to the registry (`current.json` switched last, core/registry.ts).
 */
export async function publishBest(
  ctx: LoopContext,
  understood: GoalUnderstanding,
  judged: Judged,
): Promise<ModelCard> {
  const { journal, deps, paths, request, profile, analysis } = ctx;
  const plan = journal.plan!;
  const { best, scores, baselineVerdict } = judged;
  const modelDir = join(paths.root, best.dir, 'model');
  const signature = await readUntrustedJson(join(modelDir, 'signature.json'), SignatureFileSchema, {
    root: join(paths.root, best.dir),
  });
  const findings = [
    ...(baselineVerdict !== null ? [`${baselineVerdict.why} Deployed anyway (--deploy-anyway).`] : []),
    ...profile.findings,
    ...analysis.findings,
    ...ctx.kind.dataFindings(analysis),
    ...cvGapFinding(best, scores.score, plan.metric),
  ];
  const published = await ctx.kind.afterJudging({
    driver: deps.driver,
    limits: deps.limits,
    paths,
    modelDir,
    analysis,
    logger: deps.logger,
    timeoutMs: Math.max(60_000, deps.config.OURO_EXPERIMENT_TIMEOUT_S * 1000),
  });
  findings.push(...published.findings);
  const publish =
    deps.publish ?? ((name: string, input: PublishInput) => publishModel(deps.config.OURO_HOME, name, input));
  const publishInput: PublishInput = {
    modelDir: published.servedDir,
    scriptPath: join(paths.root, best.dir, 'train.py'),
    ...(published.extraFiles.length > 0 ? { extraFiles: published.extraFiles } : {}),
    ...(judged.challenge?.promoted === false ? { promote: false } : {}),
    card: {
      runId: request.runId,
      createdAt: new Date().toISOString(),
      task: plan.task,
      target: understood.target,
      metric: plan.metric,
      holdout: { score: scores.score, baseline: scores.baseline, rows: scores.rows, all: scores.all },
      cv: best.cv!,
      family: best.recipe.family,
      script: 'train.py',
      data: {
        file: request.dataset.filename,
        rows: profile.rows,
        columns: profile.columns.length,
        trainRows: analysis.trainRows,
        holdoutRows: analysis.holdoutRows,
        seed: request.options.seed,
      },
      experiments: {
        tried: journal.nodes.length,
        succeeded: journal.nodes.filter((n) => n.status === 'succeeded').length,
        failed: journal.nodes.filter((n) => n.status === 'failed').length,
      },
      durationMs: ctx.elapsed(),
      findings,
      inputs: signature.inputs.map((i) => ({ name: i.name, dtype: i.dtype })),
      classes: signature.classes,
      ...(deps.brain.usage?.() ? { usage: deps.brain.usage()! } : {}),
      ...published.card,
      owner: ownerOf(request.origin),
    },
  };
  return publishUnderOwnName(
    request.options.name ??
      request.options.champion ??
      defaultModelName(request.dataset.filename, understood.target),
    publishInput,
    publish,
    ctx.emit,
  );
}

/**
 * Publishes under `wanted`, or — when that name belongs to someone else (core/model-owner.ts) —
 * under the first free `wanted-2`, `wanted-3`…, saying so: the owner's clients keep their model.
 */
async function publishUnderOwnName(
  wanted: string,
  input: PublishInput,
  publish: (name: string, input: PublishInput) => Promise<ModelCard>,
  emit: (e: RunEventInput) => Promise<unknown>,
): Promise<ModelCard> {
  for (let n = 1; ; n++) {
    const name = n === 1 ? wanted : slugifyModelName(`${wanted.slice(0, 56)}-${n}`);
    try {
      const card = await publish(name, input);
      if (n > 1)
        await emit({
          type: 'note',
          level: 'warn',
          message: `The model name "${wanted}" belongs to someone else, so this model is published as "${name}" instead; the existing "${wanted}" is unchanged.`,
        });
      return card;
    } catch (err) {
      if (!(err instanceof OuroError) || err.code !== 'model_name_taken' || n >= 50) throw err;
    }
  }
}

function cvGapFinding(best: JournalNode, holdout: number, metric: string): string[] {
  const cv = best.cv!.mean;
  const gap = Math.abs(cv - holdout);
  const scale = Math.max(Math.abs(cv), 1e-9);
  if (gap / scale > 0.1 && gap > 2 * best.cv!.std) {
    return [
      `The holdout ${metric} (${holdout.toFixed(4)}) differs from cross-validation (${cv.toFixed(4)}) by more than 10%: the CV estimate may be optimistic or the holdout small.`,
    ];
  }
  return [];
}
