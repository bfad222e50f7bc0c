import type { RunPaths } from '../../core/run-paths.ts';
import type { GeneratorTrial } from '../../core/schemas/data-card.ts';
import {
  firstRound,
  generatorLabel,
  renderGenerateScript,
  revise,
  type GeneratorSpec,
  type Judged,
} from './generators.ts';
import { purposeScore, type evaluatorMetric, type Judgement } from './judge.ts';
import type { SynthIntent } from './purpose.ts';
import { runGenerator } from './run-generator.ts';
import type { StepDeps, SynthMeta } from './synth-steps.ts';
import type { SynthDeps, SynthRequest } from './synthesize.ts';

/** Revisions of the leader after the first round, budget allowing. */
const MAX_REVISIONS = 2;

/** A generator whose table the judge scored. */
export interface JudgedGenerator extends Judged {
  trial: GeneratorTrial;
  clean: string;
  script: string;
  judgement: Judgement;
  /** The evaluator's score with the synthetic rows. */
  value: number;
}

export interface GeneratorTrials {
  judged: JudgedGenerator[];
  /** Every generator run, judged or not (the data card lists them). */
  tried: GeneratorTrial[];
  /** The evaluator's score on the real rows alone; null when no run measured it. */
  baseline: number | null;
}

/**
 * The generator experiments (docs/architecture.md, "Synthetic data"): the first round for the
 * purpose, then revisions of the leader, each a fresh generate.py in the sandbox judged on the
 * host's terms; stops when the budget would not cover another generator.
 */
export async function tryGenerators(o: {
  paths: RunPaths;
  steps: StepDeps;
  deps: SynthDeps;
  req: SynthRequest;
  intent: SynthIntent;
  meta: SynthMeta;
  metric: ReturnType<typeof evaluatorMetric>;
  rows: number;
  condition: Record<string, string> | null;
  elapsedMs: () => number;
}): Promise<GeneratorTrials> {
  const { paths, steps, deps, req, intent, meta, metric, rows, condition, elapsedMs } = o;
  const emit = deps.events.emit.bind(deps.events);
  const note = (message: string, level: 'info' | 'warn' = 'info') => emit({ type: 'note', level, message });
  const judged: JudgedGenerator[] = [];
  let baseline: number | null = null;
  const tried: GeneratorTrial[] = [];
  const specs: GeneratorSpec[] = firstRound(intent.purpose, condition !== null);
  await note(
    `Generators to try: ${specs.map((s) => `${s.id} ${generatorLabel(s)}`).join('; ')}. Each is a fresh generate.py in the sandbox; ouro's judge scores them, then the leader is revised.`,
  );
  const budgetMs = req.budgetSeconds * 1000;
  let revisions = 0;
  let lastMs = 0;
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i]!;
    if (deps.signal?.aborted) break;
    if (judged.length > 0 && elapsedMs() + lastMs > budgetMs) {
      await note(
        `Stopping: the ${req.budgetSeconds} s budget would not cover another generator (${spec.id} and later are not run).`,
      );
      break;
    }
    const script = renderGenerateScript(spec, { rows, seed: req.seed, condition, purpose: intent.purpose });
    const run = await runGenerator({
      ...steps,
      paths,
      spec,
      script,
      purpose: intent.purpose,
      task: meta.task,
      metric,
      withBaseline: baseline === null,
      events: deps.events,
    });
    lastMs = run.trial.seconds * 1000;
    if (run.baseline !== null) baseline = run.baseline;
    if (run.result !== null && baseline !== null) {
      const j = run.result.judgement;
      const utility =
        intent.purpose === 'augment' ? run.result.score! - baseline : run.result.score! / baseline;
      const gain = run.result.score! - baseline;
      const value = purposeScore(intent.purpose, {
        utility,
        gain,
        discriminatorAuc: j.discriminatorAuc ?? null,
        dcrRatio: j.dcrRatio ?? null,
      });
      run.trial.score = value;
      run.trial.utility = utility;
      judged.push({
        spec,
        score: value,
        utility,
        dcrRatio: j.dcrRatio ?? null,
        copiesDropped: j.copiesDropped ?? null,
        discriminatorAuc: j.discriminatorAuc ?? null,
        trial: run.trial,
        clean: run.result.clean,
        script,
        judgement: j,
        value: run.result.score!,
      });
      await note(
        `${spec.id} ${generatorLabel(spec)}: ${intent.purpose === 'augment' ? `${metric} ${run.result.score!.toFixed(4)} with the new rows vs ${baseline.toFixed(4)} real alone (${gain >= 0 ? '+' : ''}${gain.toFixed(4)})` : `${metric} ${run.result.score!.toFixed(4)} trained on synthetic vs ${baseline.toFixed(4)} on real (${(utility * 100).toFixed(0)} %)`} · real-vs-synthetic AUC ${j.discriminatorAuc?.toFixed(3) ?? 'n/a'} · DCR ratio ${j.dcrRatio?.toFixed(2) ?? 'n/a'} · ${j.copiesDropped ?? 0} exact copies dropped · score ${value.toFixed(3)} (${run.trial.seconds.toFixed(1)} s)`,
      );
    }
    tried.push(run.trial);
    if (i === specs.length - 1 && revisions < MAX_REVISIONS && judged.length > 0) {
      const leader = [...judged].sort((a, b) => b.score! - a.score!)[0]!;
      const next = revise(leader, intent.purpose, `g${specs.length + 1}`, specs);
      if (next !== null) {
        revisions += 1;
        specs.push(next);
        await emit({
          type: 'strategy.changed',
          from: `${leader.spec.id} ${generatorLabel(leader.spec)}`,
          to: `${next.id} ${generatorLabel(next)}`,
          why: next.why,
        });
      }
    }
  }
  return { judged, tried, baseline };
}
