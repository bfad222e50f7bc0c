import type { Config } from '../../core/config.ts';
import { OuroError } from '../../core/errors.ts';
import type { EventSink } from '../../core/events/event-log.ts';
import type { Logger } from '../../core/logger.ts';
import { runPaths } from '../../core/run-paths.ts';
import type { DataCard } from '../../core/schemas/data-card.ts';
import type { ArtifactStore } from '../../core/store/artifact-store.ts';
import { UntrustedFileError } from '../../core/untrusted-files.ts';
import type { SandboxDriver, SandboxLimits } from '../../sandbox/driver.ts';
import { chooseTarget, inferTask } from '../intake/understand-goal.ts';
import { generatorLabel } from './generators.ts';
import { evaluatorMetric } from './judge.ts';
import { publishDataset } from './publish-dataset.ts';
import { ANONYMISE_ANSWER, readSynthIntent } from './purpose.ts';
import { profileUpload, splitForSynthesis } from './synth-steps.ts';
import { tryGenerators } from './try-generators.ts';

/** Fewer rows than this leave too little to learn from once a fifth is held back. */
export const MIN_SYNTH_ROWS = 50;

export interface SynthRequest {
  runId: string;
  dataset: { ref: string; filename: string };
  goal: string;
  rows?: number;
  target?: string;
  budgetSeconds: number;
  seed: number;
}

export interface SynthDeps {
  config: Config;
  driver: SandboxDriver;
  limits: SandboxLimits;
  store: ArtifactStore;
  events: EventSink;
  logger: Logger;
  signal?: AbortSignal;
  /** A download link for the dataset (`ouro serve`), when the composing process has one. */
  linkFor?: (runId: string, filename: string) => string | null;
}

export interface SynthOutcome {
  status: 'succeeded' | 'failed';
  card: DataCard | null;
  /** The dataset file on this host. */
  dataset: string | null;
  error?: OuroError;
}

/**
 * A synthesis run (docs/architecture.md, "Synthetic data"): read the purpose from the goal,
 * split once (holdout to the vault), run generator experiments — each a fresh generate.py in the
 * sandbox — judge each on the host's terms, revise the leader, keep the best by the purpose's
 * score, and publish the dataset with its data card and its script.
 */
export async function synthesize(req: SynthRequest, deps: SynthDeps): Promise<SynthOutcome> {
  const paths = runPaths(deps.config.OURO_HOME, req.runId);
  const started = performance.now();
  const elapsedMs = () => performance.now() - started;
  const emit = deps.events.emit.bind(deps.events);
  const note = (message: string, level: 'info' | 'warn' = 'info') => emit({ type: 'note', level, message });
  try {
    await emit({
      type: 'accepted',
      goal: req.goal,
      file: req.dataset.filename,
      budgetSeconds: req.budgetSeconds,
    });
    const intent = readSynthIntent(req.goal);
    const cap = deps.config.OURO_SYNTH_MAX_ROWS;
    const asked = req.rows ?? intent.rows;
    if (asked !== null && asked !== undefined && asked > cap) {
      throw new OuroError(
        'rows_over_cap',
        `You asked for ${asked.toLocaleString('en-US')} rows; this ouro makes at most ${cap.toLocaleString('en-US')} per request (OURO_SYNTH_MAX_ROWS). Ask for ${cap.toLocaleString('en-US')} or fewer, or ask the operator to raise the limit.`,
      );
    }
    if (asked !== null && asked !== undefined && asked < 1)
      throw new OuroError('rows_over_cap', 'Ask for at least one row.');
    if (intent.anonymise) await note(ANONYMISE_ANSWER, 'warn');
    if (!deps.driver.isolated)
      await note(
        `Weak isolation: this run's generated code runs without network or filesystem namespaces (${deps.driver.describe()}).`,
        'warn',
      );

    const steps = {
      config: deps.config,
      driver: deps.driver,
      limits: deps.limits,
      store: deps.store,
      ...(deps.signal ? { signal: deps.signal } : {}),
    };
    const { profile } = await profileUpload(paths, req.dataset, steps);
    await emit({
      type: 'profiled',
      rows: profile.rows,
      columns: profile.columns.length,
      findings: profile.findings,
    });
    if (profile.rows < MIN_SYNTH_ROWS) {
      throw new OuroError(
        'table_too_small',
        `${req.dataset.filename} has ${profile.rows} rows; I need at least ${MIN_SYNTH_ROWS} to learn what its rows look like and still hold a fifth back to check the synthetic ones. Upload more rows (a larger export), or use the table as it is.`,
      );
    }

    const choice = chooseTarget(req.goal, profile.columns, {
      ...(req.target !== undefined ? { explicit: req.target } : {}),
      assumeYes: true,
    });
    const column = profile.columns.find((c) => c.name === choice.column)!;
    if (column.unique < 2) {
      throw new OuroError(
        'target_unusable',
        `"${column.name}" has ${column.unique === 0 ? 'no values' : `one value only ("${column.samples[0] ?? ''}")`}: there is no rare class to add rows to, and no model can be trained on it to judge the synthetic rows. Choose a column with at least two values: --target <column>.`,
      );
    }
    const { task, reason: taskReason } = inferTask(req.goal, column, profile.rows);
    const meta = await splitForSynthesis(paths, { target: choice.column, task, seed: req.seed }, steps);
    const metric = evaluatorMetric(task, intent.purpose);

    // Augmentation of classes makes rows of one class: the one the goal names, else the rarest.
    let condition: Record<string, string> | null = null;
    let rows: number;
    if (intent.purpose === 'augment' && meta.classCounts !== null) {
      const counts = meta.classCounts;
      const named = Object.keys(counts).find((c) => intent.classWords.includes(c.toLowerCase()));
      const rare = named ?? Object.entries(counts).sort((a, b) => a[1] - b[1])[0]![0];
      condition = { [meta.target]: rare };
      const most = Math.max(...Object.values(counts));
      rows = asked ?? Math.max(most - counts[rare]!, counts[rare]!);
      await note(
        `Plan: augmentation — ${intent.why}. New rows of class "${rare}" of "${meta.target}" (${named !== undefined ? 'named in the goal' : 'the rarest class'}: ${counts[rare]} of ${meta.trainRows} training rows), ${rows} of them; judged by ${metric} of a fixed evaluator on the ${meta.holdoutRows} held-back real rows, trained on real + synthetic vs real alone.`,
      );
    } else {
      rows = Math.min(asked ?? profile.rows, cap);
      if (asked === null || asked === undefined)
        await note(
          `No row count in the request: making ${rows.toLocaleString('en-US')} rows, as many as the table has${profile.rows > cap ? ` up to the cap (OURO_SYNTH_MAX_ROWS)` : ''}. Say "N rows" or --rows N for another size.`,
        );
      await note(
        `Plan: ${intent.purpose === 'augment' ? 'augmentation (more rows for an amount: all rows are new, judged by real + synthetic vs real alone)' : 'a shareable stand-in'} — ${intent.why}. Utility is judged by predicting "${meta.target}" (${choice.assumed === true ? 'the goal names no column, so the likeliest target; --target <column> picks another' : choice.reason}; ${task}: ${taskReason}) with a fixed evaluator scored by ${metric} on the ${meta.holdoutRows} held-back real rows; fidelity by column distances, association gaps and a real-vs-synthetic classifier; privacy by distance to the closest real row against unseen real rows, and exact copies (dropped).`,
      );
    }
    for (const col of meta.columns.filter((c) => c.kind === 'text'))
      await note(`"${col.name}" holds free text; it is left out of the synthetic table.`, 'warn');

    const { judged, tried, baseline } = await tryGenerators({
      paths,
      steps,
      deps,
      req,
      intent,
      meta,
      metric,
      rows,
      condition,
      elapsedMs,
    });
    if (judged.length === 0)
      throw new OuroError(
        'run_failed',
        `No generator produced a table the judge could score (${tried.map((t) => `${t.id} ${t.family}: ${t.finding ?? t.status}`).join('; ')}). The scripts and their output are in ${paths.experiments}.`,
      );
    const best = [...judged].sort((a, b) => b.score! - a.score!)[0]!;
    if (intent.purpose === 'augment' && best.score! <= 0)
      await note(
        `No generator made the evaluator better on the held-back rows (best: ${best.spec.id}, ${best.score!.toFixed(4)}). The rows are delivered, but adding them is not shown to help.`,
        'warn',
      );
    await note(
      `Chosen: ${best.spec.id} ${generatorLabel(best.spec)} (score ${best.score!.toFixed(3)}, the best of ${judged.length} judged).`,
    );

    const { card, dataset } = await publishDataset({
      paths,
      steps,
      deps,
      req,
      intent,
      profile,
      meta,
      metric,
      condition,
      best,
      real: baseline!,
      tried,
      elapsedMs,
    });
    return { status: 'succeeded', card, dataset };
  } catch (err) {
    const error =
      err instanceof OuroError
        ? err
        : new OuroError(
            'internal',
            `ouro hit an internal error while making synthetic data (${(err as Error).message.split('\n')[0]?.slice(0, 200)}).`,
            { cause: err },
          );
    if (!(err instanceof OuroError) || err instanceof UntrustedFileError)
      deps.logger.debug({ err }, 'synthesis failed');
    await emit({ type: 'failed', code: error.code, message: error.message }).catch(() => undefined);
    return { status: 'failed', card: null, dataset: null, error };
  }
}
