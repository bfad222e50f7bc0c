import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Config } from '../../core/config.ts';
import { OuroError } from '../../core/errors.ts';
import type { EventSink } from '../../core/events/event-log.ts';
import type { RunEventInput } from '../../core/schemas/events.ts';
import type { Logger } from '../../core/logger.ts';
import { publishModel, slugifyModelName, type PublishInput } from '../../core/registry.ts';
import { ownerOf } from '../../core/model-owner.ts';
import { runPaths, type RunPaths } from '../../core/run-paths.ts';
import { JournalSchema, type Journal, type JournalNode } from '../../core/schemas/journal.ts';
import type { ModelCard } from '../../core/schemas/model-card.ts';
import { ProfileSchema, TargetAnalysisSchema, type Profile, type TargetAnalysis } from '../../core/schemas/profile.ts';
import { RunRequestSchema, type RunRequest } from '../../core/schemas/run-request.ts';
import { higherIsBetter, isBetter, metricsForTask } from '../../core/schemas/task.ts';
import type { ArtifactStore } from '../../core/store/artifact-store.ts';
import { readJson, readJsonIfExists, writeJsonAtomic } from '../../core/store/json-file.ts';
import type { SandboxDriver, SandboxLimits } from '../../sandbox/driver.ts';
import type { Brain, Decision } from '../brains/brain.ts';
import { writeScript } from '../brains/heuristic/write-script.ts';
import { familyLabel } from '../../core/catalog/family-lookup.ts';
import { checkScore, type CrashEvidence } from '../diagnosis/classify-crash.ts';
import { copyUntrustedFile, readUntrustedJson, UNTRUSTED_CAPS, UntrustedFileError } from '../../core/untrusted-files.ts';
import { understandGoal, TargetQuestionError, type GoalUnderstanding, type TargetQuestion } from '../intake/understand-goal.ts';
import { checkTargetChoice } from '../intake/check-target.ts';
import { drawForecastChart, FORECAST_CHART, forecastCardInfo, refitForecastModel, seriesDiagnosisLine } from './forecast-outputs.ts';
import { runTrustedStep } from '../sandbox-steps.ts';
import { parseSteering } from '../steering/parse-steering.ts';
import { runExperiment } from './run-experiment.ts';
import { validateOnHoldout } from './validate-holdout.ts';
import { estimateMs } from './estimate-experiment.ts';
import { MIN_EXPERIMENT_MS, validationReserveMs } from './budget.ts';
import { z } from 'zod';
import { pathExists as exists } from '../../core/store/path-exists.ts';


export interface LoopDeps {
  config: Config;
  driver: SandboxDriver;
  brain: Brain;
  events: EventSink;
  logger: Logger;
  limits: SandboxLimits;
  /** Holds the uploaded file; the run folder gets its own copy. */
  store: ArtifactStore;
  /** Steering messages from the thread, read at each decision (newest last). */
  steering?: () => readonly string[];
  /**
   * Makes the published model reachable (key, server) and returns its URL. Injected by the
   * composing process: the loop does not know how models are served.
   */
  deploy?: (card: ModelCard) => Promise<{ url: string } | null>;
  /** Aborting stops the run: the running experiment is killed, the best so far is validated. */
  signal?: AbortSignal;
  /**
   * Called after every journal save, when the run folder is consistent: a worker with a remote
   * store copies it there so another host can take the run over.
   */
  checkpoint?: () => Promise<void>;
  /** Publishes the best model; default: the local registry under OURO_HOME. */
  publish?: (name: string, input: PublishInput) => Promise<ModelCard>;
}

export interface RunOutcome {
  /** `needs_input`: the goal did not settle the target; the run asked (a `question` event) and ended. */
  status: 'succeeded' | 'failed' | 'cancelled' | 'needs_input';
  journal: Journal;
  card: ModelCard | null;
  error?: OuroError;
  /** With `needs_input`: what the run asked. */
  question?: TargetQuestion;
}

const MetricsFileSchema = z.object({ metric: z.string(), mean: z.number(), std: z.number(), folds: z.number().int() }).loose();
type MetricsFile = z.infer<typeof MetricsFileSchema>;

/** What the host needs of a saved model's signature (deploy/signature.ts has the full contract). */
const SignatureFileSchema = z.object({ inputs: z.array(z.object({ name: z.string(), dtype: z.string() }).loose()), classes: z.array(z.string()).nullable() }).loose();

/**
 * Reads a finished experiment's metrics.json and model/signature.json through the trust
 * boundary. A refusal (a link, a FIFO, not JSON, off contract) is added to the evidence, so the
 * diagnosis names it, and null is returned.
 */
async function readExperimentOutputs(expDir: string, evidence: CrashEvidence): Promise<MetricsFile | null> {
  try {
    const metrics = await readUntrustedJson(join(expDir, 'metrics.json'), MetricsFileSchema, { root: expDir });
    await readUntrustedJson(join(expDir, 'model', 'signature.json'), SignatureFileSchema, { root: expDir });
    return metrics;
  } catch (err) {
    if (!(err instanceof UntrustedFileError)) throw err;
    evidence.refusedOutputs = [...(evidence.refusedOutputs ?? []), err.message];
    return null;
  }
}


/** The default registry name: file name plus target, e.g. `pima-diabetes-diabetes`. */
export function defaultModelName(filename: string, target: string): string {
  const file = slugifyModelName(basename(filename));
  const tgt = slugifyModelName(target);
  return file.endsWith(tgt) ? file : slugifyModelName(`${file}-${tgt}`);
}

/**
 * Publishes under `wanted`, or — when that name belongs to someone else (core/model-owner.ts) —
 * under the first free `wanted-2`, `wanted-3`…, saying so: the owner's clients keep their model.
 */
async function publishUnderOwnName(wanted: string, input: PublishInput, publish: (name: string, input: PublishInput) => Promise<ModelCard>, emit: (e: RunEventInput) => Promise<unknown>): Promise<ModelCard> {
  for (let n = 1; ; n++) {
    const name = n === 1 ? wanted : slugifyModelName(`${wanted.slice(0, 56)}-${n}`);
    try {
      const card = await publish(name, input);
      if (n > 1) await emit({ type: 'note', level: 'warn', message: `The model name "${wanted}" belongs to someone else, so this model is published as "${name}" instead; the existing "${wanted}" is unchanged.` });
      return card;
    } catch (err) {
      if (!(err instanceof OuroError) || err.code !== 'model_name_taken' || n >= 50) throw err;
    }
  }
}

/**
 * The loop of DESIGN.md §1 for one run: intake, profile, split, plan, experiments until a
 * stop rule fires, then holdout validation and publication. Every step is journaled, so a
 * run killed at any point resumes where it was without repeating finished experiments.
 */
export async function runLoop(requestInput: RunRequest, deps: LoopDeps): Promise<RunOutcome> {
  const request = RunRequestSchema.parse(requestInput);
  const paths = runPaths(deps.config.OURO_HOME, request.runId);
  const started = performance.now();
  let journal = await openJournal(paths, request);
  const priorElapsed = journal.elapsedMs;
  const elapsed = () => priorElapsed + (performance.now() - started);
  const save = async () => {
    journal.elapsedMs = elapsed();
    journal.updatedAt = new Date().toISOString();
    await writeJsonAtomic(paths.journal, journal);
    await deps.checkpoint?.();
  };
  const emit = deps.events.emit.bind(deps.events);
  const resumed = journal.nodes.length > 0 || journal.plan !== null;

  try {
    if (!resumed) await emit({ type: 'accepted', goal: request.goal, file: request.dataset.filename, budgetSeconds: request.options.budgetSeconds });
    else await emit({ type: 'note', level: 'info', message: `Resuming: ${journal.nodes.filter((n) => n.status !== 'running').length} finished experiment(s) are kept and not re-run.` });
    if (!deps.driver.isolated) {
      // The operator chose OURO_SANDBOX_ISOLATION=weak on a host without namespaces: say it every run.
      await emit({ type: 'note', level: 'warn', message: `Weak isolation: this run's generated code runs without network or filesystem namespaces (${deps.driver.describe()}). The operator set OURO_SANDBOX_ISOLATION=weak; see docs/security.md.` });
    }

    const phaseStart = elapsed();
    const profile = await profileInput(paths, request, deps, resumed);
    const profileMs = elapsed() - phaseStart;
    const o = request.options;
    let understood: GoalUnderstanding;
    try {
      understood = understandGoal(request.goal, profile, {
        ...(o.target ? { target: o.target } : {}),
        ...(o.metric ? { metric: o.metric } : {}),
        ...(o.horizon !== undefined ? { horizon: o.horizon } : {}),
        ...(o.dateColumn ? { dateColumn: o.dateColumn } : {}),
        ...(o.idColumn ? { idColumn: o.idColumn } : {}),
        ...(o.assumeYes ? { assumeYes: true } : {}),
      });
    } catch (err) {
      // Asking beats guessing: the run ends here, and the answer starts a new run with --target.
      if (!(err instanceof TargetQuestionError)) throw err;
      journal.status = 'needs_input';
      await save();
      await emit({ type: 'question', about: 'target', ...err.question });
      return { status: 'needs_input', journal, card: null, question: err.question };
    }
    const splitStart = elapsed();
    const analysis = await splitHoldout(paths, request, deps, understood);
    const splitMs = elapsed() - splitStart;

    if (journal.plan === null) {
      journal.plan = await deps.brain.plan({ goal: request.goal, ...understood, profile, analysis });
      await save();
      for (const f of analysis.findings) await emit({ type: 'note', level: 'info', message: f });
      for (const step of journal.plan.featureSteps ?? []) await emit({ type: 'note', level: 'info', message: `Feature step (${FEATURE_STEP_WORDS[step.kind]}): ${step.why}.` });
      for (const w of checkTargetChoice(request.goal, understood, profile, analysis)) await emit({ type: 'note', level: 'warn', message: w });
      for (const d of analysis.forecast?.diagnoses ?? []) await emit({ type: 'note', level: 'warn', message: seriesDiagnosisLine(d) });
      await emit({
        type: 'planned',
        plan: journal.plan,
        why: `target "${understood.target}" because ${understood.targetReason}; ${understood.task} because ${understood.taskReason}; ${understood.metric} because ${understood.metricReason}`,
      });
    }

    const stopWhy = await experimentLoop(journal, { paths, request, deps, profile, analysis, elapsed, save });
    const cancelled = deps.signal?.aborted === true;
    await emit({ type: 'note', level: 'info', message: `Stopping: ${stopWhy}` });

    journal.status = 'validating';
    await save();
    const validationStart = elapsed();
    // A model whose holdout predictions the host refuses (a link, not JSON, the wrong length)
    // fails alone, like an experiment: the next best is validated instead (at most three tries).
    let validated: { best: JournalNode; scores: Awaited<ReturnType<typeof validateOnHoldout>> } | undefined;
    for (let attempt = 1; validated === undefined; attempt++) {
      const best = journal.nodes.find((n) => n.id === journal.bestNodeId);
      if (best === undefined) {
        const ranOut = /time budget/.test(stopWhy);
        throw new OuroError('run_failed', cancelled
          ? 'Cancelled before any experiment produced a model.'
          : ranOut
            ? `No model finished within the budget: ${stopWhy} (reading and profiling took ${(profileMs / 1000).toFixed(1)} s, splitting ${(splitMs / 1000).toFixed(1)} s). Run again with a longer --budget; the journal and every script are kept in the run folder.`
            : 'No experiment produced a usable model; the journal and every script are kept in the run folder.');
      }
      try {
        const scores = await validateOnHoldout({ driver: deps.driver, limits: deps.limits, paths, modelDir: join(paths.root, best.dir, 'model'), analysis, metric: journal.plan.metric, timeoutMs: Math.max(60_000, deps.config.OURO_EXPERIMENT_TIMEOUT_S * 1000) });
        validated = { best, scores };
      } catch (err) {
        if (!(err instanceof UntrustedFileError) || attempt >= 3) throw err;
        best.status = 'failed';
        best.diagnosis = { class: 'contract', evidence: err.message.slice(0, 300), fix: 'predict through ouro_harness and write nothing else' };
        best.finding = `contract: ${best.diagnosis.evidence}`;
        recomputeBest(journal);
        await save();
        await emit({ type: 'note', level: 'warn', message: `${best.id}'s model failed validation (${err.message.slice(0, 200)}); validating the next best instead.` });
      }
    }
    const { best, scores } = validated;
    const modelDir = join(paths.root, best.dir, 'model');
    await emit({ type: 'note', level: 'info', message: whereTheTimeWent({ profileMs, splitMs, validationMs: elapsed() - validationStart, totalMs: elapsed(), budgetMs: journal.request.options.budgetSeconds * 1000, nodes: journal.nodes, resumed }) });
    await emit({ type: 'validated', node: best.id, metric: scores.metric, holdout: scores.score, baseline: scores.baseline, cv: best.cv!.mean, all: scores.all });

    // Never deploy worse than the baseline: a model that does not beat predicting the prior
    // (or the mean, or the seasonal naive forecast) on the holdout is not worth serving.
    // A forecast's baseline, seasonal naive, is itself a forecast from the series' own history
    // (the prior and the mean ignore every input): a forecaster only has to be no worse than it.
    const beatsBaseline = journal.plan.task === 'forecast' ? !isBetter(journal.plan.metric, scores.baseline, scores.score) : isBetter(journal.plan.metric, scores.score, scores.baseline);
    const baselineVerdict = beatsBaseline ? null : notBetterThanBaseline(journal, best, scores);
    if (baselineVerdict !== null && request.options.deployAnyway !== true) {
      await writeJsonAtomic(join(paths.root, NOT_DEPLOYED_FILE), { ...baselineVerdict, holdout: { metric: scores.metric, score: scores.score, baseline: scores.baseline, rows: scores.rows }, node: best.id, family: best.recipe.family });
      await emit({ type: 'note', level: 'warn', message: `${baselineVerdict.why} What was tried: ${baselineVerdict.tried.join('; ')}.` });
      throw new OuroError('not_better_than_baseline', `${baselineVerdict.why} Nothing was deployed; the scripts and ${NOT_DEPLOYED_FILE} are in the run folder. Run again with more time (--budget), or with --deploy-anyway to deploy it regardless.`);
    }
    if (baselineVerdict !== null) await emit({ type: 'note', level: 'warn', message: `${baselineVerdict.why} It is deployed anyway, as asked (--deploy-anyway).` });

    const signature = await readUntrustedJson(join(modelDir, 'signature.json'), SignatureFileSchema, { root: join(paths.root, best.dir) });
    const seriesFindings = (analysis.forecast?.diagnoses ?? []).map(seriesDiagnosisLine);
    const findings = [...(baselineVerdict !== null ? [`${baselineVerdict.why} Deployed anyway (--deploy-anyway).`] : []), ...profile.findings, ...analysis.findings, ...seriesFindings, ...cvGapFinding(best, scores.score, journal.plan.metric)];
    const chart = analysis.forecast ? await drawForecastChart({ driver: deps.driver, limits: deps.limits, paths, modelDir, logger: deps.logger }) : null;
    // A forecaster is served from the end of all the data: refit on training + holdout once scored.
    const refitted = analysis.forecast ? await refitForecastModel({ driver: deps.driver, limits: deps.limits, paths, modelDir, logger: deps.logger, timeoutMs: Math.max(60_000, deps.config.OURO_EXPERIMENT_TIMEOUT_S * 1000) }) : null;
    if (refitted !== null) findings.push(`The served model was refit on all ${analysis.trainRows + analysis.holdoutRows} points (training + holdout) after scoring; the scores above are the training-only fit's.`);
    else if (analysis.forecast) findings.push('The served model forecasts from the end of the training part (refitting on the holdout failed; see the log); send newer observations in "history".');
    const servedDir = refitted ?? modelDir;
    const publish = deps.publish ?? ((name: string, input: PublishInput) => publishModel(deps.config.OURO_HOME, name, input));
    const publishInput: PublishInput = {
      modelDir: servedDir,
      scriptPath: join(paths.root, best.dir, 'train.py'),
      ...(chart !== null ? { extraFiles: [{ from: chart, name: FORECAST_CHART }] } : {}),
      card: {
        runId: request.runId,
        createdAt: new Date().toISOString(),
        task: journal.plan.task,
        target: understood.target,
        metric: journal.plan.metric,
        holdout: { score: scores.score, baseline: scores.baseline, rows: scores.rows, all: scores.all },
        cv: best.cv!,
        family: best.recipe.family,
        script: 'train.py',
        data: { file: request.dataset.filename, rows: profile.rows, columns: profile.columns.length, trainRows: analysis.trainRows, holdoutRows: analysis.holdoutRows, seed: request.options.seed },
        experiments: {
          tried: journal.nodes.length,
          succeeded: journal.nodes.filter((n) => n.status === 'succeeded').length,
          failed: journal.nodes.filter((n) => n.status === 'failed').length,
        },
        durationMs: elapsed(),
        findings,
        inputs: signature.inputs.map((i) => ({ name: i.name, dtype: i.dtype })),
        classes: signature.classes,
        ...(deps.brain.usage?.() ? { usage: deps.brain.usage()! } : {}),
        ...(analysis.forecast ? { forecast: forecastCardInfo(analysis.forecast, chart !== null ? FORECAST_CHART : null) } : {}),
        owner: ownerOf(request.origin),
      },
    };
    const card = await publishUnderOwnName(request.options.name ?? defaultModelName(request.dataset.filename, understood.target), publishInput, publish, emit);
    if (deps.deploy) {
      try {
        const deployed = await deps.deploy(card);
        // The key is never part of an event: events are archived and posted to threads.
        if (deployed !== null) await emit({ type: 'deployed', name: card.name, version: card.version, url: deployed.url });
      } catch (err) {
        await emit({ type: 'note', level: 'warn', message: `The model is saved as ${card.name} v${card.version} but could not be deployed: ${(err as Error).message}` });
      }
    }
    journal.status = cancelled ? 'cancelled' : 'succeeded';
    await save();
    if (cancelled) await emit({ type: 'cancelled', reason: 'stopped on request; the best model so far was validated and saved' });
    await emit({ type: 'finished', card });
    return { status: journal.status === 'cancelled' ? 'cancelled' : 'succeeded', journal, card };
  } catch (err) {
    let error: OuroError;
    if (err instanceof OuroError) error = err;
    else {
      // The stack goes to a file in the run folder, not to the person reading the thread.
      const report = join(paths.root, 'error.txt');
      await writeFile(report, `${(err as Error).stack ?? String(err)}\n`).catch(() => undefined);
      deps.logger.debug({ err }, 'run failed');
      error = new OuroError('internal', `ouro hit an internal error (${(err as Error).message.split('\n')[0]?.slice(0, 200)}); details are in ${report}.`, { cause: err });
    }
    journal.status = 'failed';
    await save().catch(() => undefined);
    await emit({ type: 'failed', code: error.code, message: error.message }).catch(() => undefined);
    return { status: 'failed', journal, card: null, error };
  }
}

async function openJournal(paths: RunPaths, request: RunRequest): Promise<Journal> {
  const existing = await readJsonIfExists(paths.journal, JournalSchema);
  if (existing !== null) {
    // An experiment that was running when the process died is redone from scratch.
    for (const n of existing.nodes.filter((n) => n.status === 'running')) await rm(join(paths.root, n.dir), { recursive: true, force: true });
    existing.nodes = existing.nodes.filter((n) => n.status !== 'running');
    existing.status = 'running';
    return existing;
  }
  await mkdir(paths.root, { recursive: true, mode: 0o755 });
  const now = new Date().toISOString();
  return { version: 1, request, status: 'running', plan: null, nodes: [], bestNodeId: null, steering: [], prefer: [], forbid: [], elapsedMs: 0, createdAt: now, updatedAt: now };
}

/** The run's own copy of the uploaded file. */
export function inputPath(paths: RunPaths, request: RunRequest): string {
  return join(paths.input, basename(request.dataset.filename));
}

async function profileInput(paths: RunPaths, request: RunRequest, deps: LoopDeps, resumed: boolean): Promise<Profile> {
  if (!(await exists(paths.profile))) {
    const local = inputPath(paths, request);
    if (!(await exists(local))) {
      await deps.store.getFile(request.dataset.ref, local).catch((err: unknown) => {
        throw new OuroError('input_missing', `Cannot fetch ${request.dataset.filename} from the artifact store (${(err as Error).message}).`);
      });
    }
    const info = await stat(local).catch(() => null);
    if (info === null) throw new OuroError('input_missing', `Cannot read ${request.dataset.filename}: the file is not there.`);
    const capBytes = deps.config.OURO_MAX_UPLOAD_MB * 1024 * 1024;
    if (info.size > capBytes) {
      throw new OuroError('input_too_large', `${request.dataset.filename} is ${(info.size / 1024 / 1024).toFixed(0)} MB; the limit is ${deps.config.OURO_MAX_UPLOAD_MB} MB (OURO_MAX_UPLOAD_MB). Sample the rows or raise the limit.`);
    }
    await mkdir(paths.prep, { recursive: true, mode: 0o755 });
    await runTrustedStep({
      driver: deps.driver,
      limits: deps.limits,
      args: ['inspect', '--input', local, '--profile', paths.profile, '--table', paths.table, '--max-bytes', String(capBytes)],
      cwd: paths.prep,
      mounts: [{ path: local }, { path: paths.prep, writable: true }],
      timeoutMs: Math.max(120_000, deps.config.OURO_EXPERIMENT_TIMEOUT_S * 1000),
      ...(deps.signal ? { signal: deps.signal } : {}),
      doing: `reading ${request.dataset.filename}`,
    });
  }
  const profile = await readUntrustedJson(paths.profile, ProfileSchema, { root: paths.prep });
  if (!resumed) await deps.events.emit({ type: 'profiled', rows: profile.rows, columns: profile.columns.length, findings: profile.findings });
  return profile;
}

async function splitHoldout(paths: RunPaths, request: RunRequest, deps: LoopDeps, understood: GoalUnderstanding): Promise<TargetAnalysis> {
  const { target, task, metric } = understood;
  const f = understood.forecast;
  // A forecast holds out the last horizon of every series; other tasks a random 20 %.
  const holdoutArgs = f
    ? ['--date-column', f.dateColumn, ...(f.idColumn !== null ? ['--id-column', f.idColumn] : []), ...(f.horizon !== null ? ['--horizon', String(f.horizon), '--horizon-unit', f.unit ?? 'step'] : [])]
    : ['--holdout-fraction', '0.2'];
  if (!(await exists(paths.analysis))) {
    const staging = join(paths.prep, 'vault-staging');
    await rm(staging, { recursive: true, force: true });
    for (const dir of [paths.workspace, paths.holdout, staging]) await mkdir(dir, { recursive: true, mode: 0o755 });
    await runTrustedStep({
      driver: deps.driver,
      limits: deps.limits,
      args: ['split', '--table', paths.table, '--profile', paths.profile, '--target', target, '--task', task, '--metric', metric, '--seed', String(request.options.seed), ...holdoutArgs, '--workspace', paths.workspace, '--holdout', paths.holdout, '--vault', staging],
      cwd: paths.prep,
      mounts: [{ path: paths.prep }, { path: paths.workspace, writable: true }, { path: paths.holdout, writable: true }, { path: staging, writable: true }],
      timeoutMs: Math.max(120_000, deps.config.OURO_EXPERIMENT_TIMEOUT_S * 1000),
      ...(deps.signal ? { signal: deps.signal } : {}),
      doing: 'splitting off the holdout',
    });
    // The vault is owner-only and never mounted into a sandbox: labels stay on the host.
    await mkdir(paths.vault, { recursive: true, mode: 0o700 });
    // Copied, not renamed: the staging folder was writable in the sandbox (docs/architecture.md, trust boundary).
    await rm(paths.labels, { force: true });
    await copyUntrustedFile(join(staging, 'labels.json'), paths.labels, { root: staging, maxBytes: UNTRUSTED_CAPS.predictions });
    await rm(join(paths.vault, 'analysis.tmp.json'), { force: true });
    await copyUntrustedFile(join(staging, 'analysis.json'), join(paths.vault, 'analysis.tmp.json'), { root: staging });
    await rm(staging, { recursive: true, force: true });
    await rename(join(paths.vault, 'analysis.tmp.json'), paths.analysis);
  }
  return readJson(paths.analysis, TargetAnalysisSchema);
}

interface LoopContext {
  paths: RunPaths;
  request: RunRequest;
  deps: LoopDeps;
  profile: Profile;
  analysis: TargetAnalysis;
  elapsed: () => number;
  save: () => Promise<void>;
}

/** Runs experiments until a stop rule fires; returns why it stopped. */
async function experimentLoop(journal: Journal, ctx: LoopContext): Promise<string> {
  const { request, deps, paths, analysis } = ctx;
  const plan = journal.plan!;
  const emit = deps.events.emit.bind(deps.events);

  for (;;) {
    if (deps.signal?.aborted) return 'cancelled on request';
    await applySteering(journal, ctx);
    // Steering may change the budget and the metric, so both are read afresh each round.
    const budgetMs = journal.request.options.budgetSeconds * 1000;
    const hi = higherIsBetter(plan.metric);
    if (journal.nodes.length >= request.options.maxExperiments) return `reached the limit of ${request.options.maxExperiments} experiments`;
    const remaining = budgetMs - ctx.elapsed() - validationReserveMs(budgetMs);
    if (remaining < MIN_EXPERIMENT_MS) return `the time budget of ${journal.request.options.budgetSeconds} s is used up`;
    const sinceBest = experimentsSinceBest(journal);
    if (journal.bestNodeId !== null && sinceBest >= request.options.patience) return `no improvement in the last ${sinceBest} experiments that tried to improve the best one`;

    const decision: Decision = await deps.brain.next({
      plan,
      profile: ctx.profile,
      analysis,
      nodes: journal.nodes,
      bestNodeId: journal.bestNodeId,
      elapsedMs: ctx.elapsed(),
      budgetMs,
      maxExperiments: request.options.maxExperiments,
      cpus: deps.limits.cpus,
      steering: journal.steering,
      prefer: journal.prefer,
      forbid: journal.forbid,
    });
    if (decision.kind === 'stop') return decision.why;
    // Do not start what cannot finish.
    const estimate = estimateMs(decision, journal.nodes);
    if (remaining < estimate * 1.2) {
      return `the time budget of ${journal.request.options.budgetSeconds} s is nearly used up (${Math.round(remaining / 1000)} s left, the next experiment would take about ${Math.round(estimate / 1000)} s)`;
    }
    const excluded = requestedExclusions(journal);
    if (excluded.length > 0) decision.recipe.dropColumns = [...new Set([...decision.recipe.dropColumns, ...excluded])];
    if (decision.strategy) await emit({ type: 'strategy.changed', ...decision.strategy });

    const id = `n${journal.nodes.length + 1}`;
    const dir = join('experiments', id);
    const members = decision.recipe.members.map((m) => {
      const node = journal.nodes.find((n) => n.id === m);
      if (node === undefined) throw new OuroError('internal', `ensemble member ${m} is not in the journal`);
      return { id: m, recipe: { ...node.recipe, dropColumns: [...new Set([...node.recipe.dropColumns, ...requestedExclusions(journal)])] } };
    });
    const script = decision.script ?? writeScript({ nodeId: id, operator: decision.operator, hypothesis: decision.hypothesis, task: plan.task, recipe: decision.recipe, members, rows: analysis.trainRows });
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
    await emit({ type: 'experiment.started', node: id, parent: node.parent, operator: node.operator, family: node.recipe.family, hypothesis: node.hypothesis, script: join(dir, 'train.py') });

    // Once a real model exists, one draft may not take more than half of what is left: a slow
    // family (a forest on a big table) must not eat the time for tuning and blending.
    const haveModel = journal.nodes.some((n) => n.status === 'succeeded' && n.recipe.family !== 'baseline');
    const share = haveModel && decision.operator === 'draft' && decision.recipe.family !== 'baseline' ? remaining * 0.5 : remaining;
    const timeoutMs = Math.min(deps.config.OURO_EXPERIMENT_TIMEOUT_S * 1000, Math.max(MIN_EXPERIMENT_MS, share));
    const run = await runExperiment({ driver: deps.driver, limits: deps.limits, dir: join(paths.root, dir), script, workspace: paths.workspace, timeoutMs, ...(deps.signal ? { signal: deps.signal } : {}) });
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
      const used = analysis.leakageSuspects.map((s) => s.column).filter((c) => !node.recipe.dropColumns.includes(c));
      const suspicious = checkScore({ metric: plan.metric, higherIsBetter: hi, score: metrics.mean, baseline: baselineNode?.cv?.mean ?? null, leakyColumnsUsed: used, family: node.recipe.family });
      if (suspicious !== null) {
        node.status = 'failed';
        node.diagnosis = suspicious;
        node.finding = `${suspicious.class}: ${suspicious.evidence}`;
      } else {
        node.status = 'succeeded';
        node.finding = `${familyLabel(node.recipe.family, plan.task)} ${plan.metric} ${metrics.mean.toFixed(4)} ± ${metrics.std.toFixed(4)}`;
      }
    } else if (run.result.timedOut && timeoutMs < deps.config.OURO_EXPERIMENT_TIMEOUT_S * 1000 && budgetMs - ctx.elapsed() - validationReserveMs(budgetMs) < MIN_EXPERIMENT_MS) {
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
      await emit({ type: 'experiment.finished', node: id, family: node.recipe.family, metric: plan.metric, cvMean: node.cv!.mean, cvStd: node.cv!.std, durationMs: node.durationMs });
      const best = journal.nodes.find((n) => n.id === journal.bestNodeId);
      if (eligible(journal, node) && isBetter(plan.metric, node.cv!.mean, best?.cv?.mean)) {
        journal.bestNodeId = id;
        await ctx.save();
        await emit({ type: 'best.improved', node: id, family: node.recipe.family, metric: plan.metric, score: node.cv!.mean, previous: best?.cv?.mean ?? null });
      }
    } else {
      await emit({ type: 'experiment.failed', node: id, family: node.recipe.family, diagnosis: node.diagnosis!, durationMs: node.durationMs });
    }
  }
}

const EXCLUDED_WHY = 'excluded on request';

function requestedExclusions(journal: Journal): string[] {
  return (journal.plan?.dropColumns ?? []).filter((d) => d.why === EXCLUDED_WHY).map((d) => d.column);
}

/** A model may be the best only if it honours the thread's exclusions and bans. */
function eligible(journal: Journal, node: JournalNode): boolean {
  if (node.status !== 'succeeded' || node.cv === null) return false;
  if (journal.forbid.includes(node.recipe.family)) return false;
  return requestedExclusions(journal).every((c) => node.recipe.dropColumns.includes(c));
}

function recomputeBest(journal: Journal): void {
  let best: JournalNode | undefined;
  for (const n of journal.nodes) if (eligible(journal, n) && isBetter(journal.plan!.metric, n.cv!.mean, best?.cv?.mean)) best = n;
  journal.bestNodeId = best?.id ?? null;
}

/** Applies steering messages not yet applied, in order, and says what each changed. */
async function applySteering(journal: Journal, ctx: LoopContext): Promise<void> {
  const incoming = ctx.deps.steering?.() ?? [];
  const fresh = incoming.slice(journal.steering.length);
  if (fresh.length === 0) return;
  const emit = ctx.deps.events.emit.bind(ctx.deps.events);
  const plan = journal.plan!;
  for (const text of fresh) {
    journal.steering.push(text);
    for (const steer of parseSteering(text, ctx.profile.columns.map((c) => c.name))) {
      switch (steer.kind) {
        case 'exclude':
          if (steer.column === plan.target) {
            await emit({ type: 'note', level: 'warn', message: `"${steer.column}" is the target; it cannot be excluded.` });
            break;
          }
          if (!plan.dropColumns.some((d) => d.column === steer.column)) plan.dropColumns.push({ column: steer.column, why: EXCLUDED_WHY });
          recomputeBest(journal);
          await emit({ type: 'strategy.changed', from: 'all usable columns', to: `without "${steer.column}"`, why: 'asked in the thread; models that used it can no longer be chosen' });
          break;
        case 'metric': {
          if (!metricsForTask(plan.task).includes(steer.metric)) {
            await emit({ type: 'note', level: 'warn', message: `${steer.metric} does not fit a ${plan.task} task; keeping ${plan.metric} (choose from ${metricsForTask(plan.task).join(', ')}).` });
            break;
          }
          const from = plan.metric;
          plan.metric = steer.metric;
          await rescoreNodes(journal, ctx.paths.root);
          recomputeBest(journal);
          await emit({ type: 'strategy.changed', from: `judging by ${from}`, to: `judging by ${steer.metric}`, why: 'asked in the thread; earlier experiments were re-scored from their saved cross-validation' });
          break;
        }
        case 'prefer':
          journal.prefer = [...new Set([...journal.prefer, steer.family])];
          journal.forbid = journal.forbid.filter((f) => f !== steer.family);
          await emit({ type: 'strategy.changed', from: 'the playbook order', to: `${familyLabel(steer.family)} next`, why: 'asked in the thread' });
          break;
        case 'forbid':
          journal.forbid = [...new Set([...journal.forbid, steer.family])];
          journal.prefer = journal.prefer.filter((f) => f !== steer.family);
          recomputeBest(journal);
          await emit({ type: 'strategy.changed', from: 'the playbook order', to: `no ${familyLabel(steer.family)}`, why: 'asked in the thread' });
          break;
        case 'budget':
          journal.request.options.budgetSeconds += steer.seconds;
          await emit({ type: 'note', level: 'info', message: `Budget extended by ${Math.round(steer.seconds)} s to ${Math.round(journal.request.options.budgetSeconds)} s, as asked.` });
          break;
        case 'unknown':
          await emit({ type: 'note', level: 'warn', message: `I did not understand "${steer.text}". I can: exclude <column>, use <metric>, try <family>, avoid <family>, add <time>, or stop.` });
          break;
      }
    }
  }
  await ctx.save();
}

const RescoreSchema = z.object({ all: z.record(z.string(), z.number().nullable()).optional() }).loose();

/** Re-reads each finished experiment's saved cross-validation under the plan's new metric. */
async function rescoreNodes(journal: Journal, root: string): Promise<void> {
  const metric = journal.plan!.metric;
  for (const n of journal.nodes.filter((x) => x.status === 'succeeded' && x.cv !== null)) {
    const saved = await readUntrustedJson(join(root, n.dir, 'metrics.json'), RescoreSchema, { root: join(root, n.dir) }).catch((err: unknown) => {
      if (err instanceof UntrustedFileError) return null;
      throw err;
    });
    const value = saved?.all?.[metric];
    if (typeof value === 'number' && Number.isFinite(value)) n.cv = { mean: value, std: 0, folds: n.cv!.folds };
    else n.status = 'failed';
  }
}

/**
 * Experiments since the best one that tried to improve on it (tunes, fixes, blends). First
 * drafts of the plan's families do not count: they explore, and counting them stopped runs
 * whose first real model led before the blend that would have beaten it. Search trials do not
 * count either: they try to improve their family, not the run's best (often a blend), and the
 * search has its own stop rule (the brain ends it when trials stop improving the families).
 */
function experimentsSinceBest(journal: Journal): number {
  const idx = journal.nodes.findIndex((n) => n.id === journal.bestNodeId);
  return journal.nodes.slice(idx + 1).filter((n) => n.operator !== 'draft' && n.operator !== 'search').length;
}

const FEATURE_STEP_WORDS: Record<string, string> = { target_encode: 'target encoding inside the folds', text_tfidf: 'TF-IDF of free text', date_parts: 'date parts' };

const OPERATOR_WORDS: Record<string, string> = { draft: 'drafts', fix: 'fixes', improve: 'improvements', tune: 'tuning', search: 'search', ensemble: 'blends' };

/** One line for the transcript: where the budget went, phase by phase. */
export function whereTheTimeWent(t: { profileMs: number; splitMs: number; validationMs: number; totalMs: number; budgetMs: number; nodes: readonly JournalNode[]; resumed: boolean }): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const parts = t.resumed ? [] : [`reading and profiling ${s(t.profileMs)}`, `splitting ${s(t.splitMs)}`];
  for (const op of Object.keys(OPERATOR_WORDS)) {
    const ran = t.nodes.filter((n) => n.operator === op);
    if (ran.length > 0) parts.push(`${OPERATOR_WORDS[op]} ${s(ran.reduce((sum, n) => sum + n.durationMs, 0))} (${ran.length})`);
  }
  parts.push(`validation ${s(t.validationMs)}`);
  const left = t.budgetMs - t.totalMs;
  return `Where the time went: ${parts.join(', ')}; ${s(t.totalMs)} of the ${s(t.budgetMs)} budget${left > 0 ? `, ${s(left)} unused` : ''}.`;
}

/** Beside the journal when the best model was not deployed: why, and what the run tried. */
export const NOT_DEPLOYED_FILE = 'not-deployed.json';

/** Why the best model is not worth deploying, and one line per experiment the run tried. */
function notBetterThanBaseline(journal: Journal, best: JournalNode, scores: { metric: string; score: number; baseline: number }): { why: string; tried: string[] } {
  const task = journal.plan!.task;
  const floor = task === 'regression' ? 'the training mean' : task === 'forecast' ? 'the seasonal naive forecast' : 'the training prior';
  const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(1) : n.toFixed(4));
  const why = best.recipe.family === 'baseline'
    ? `Only the baseline finished (holdout ${scores.metric} ${fmt(scores.score)}): no model that learns from the data was ready, so there is nothing better than ${floor} to deploy.`
    : `The best model, ${familyLabel(best.recipe.family, task)} (${best.id}), scored ${scores.metric} ${fmt(scores.score)} on the holdout, no better than ${floor} (${fmt(scores.baseline)}), so it is not deployed.`;
  const tried = journal.nodes.map((n) => `${n.id} ${familyLabel(n.recipe.family, task)} ${n.status === 'succeeded' && n.cv !== null ? `CV ${fmt(n.cv.mean)}` : n.status}`);
  return { why, tried };
}

function cvGapFinding(best: JournalNode, holdout: number, metric: string): string[] {
  const cv = best.cv!.mean;
  const gap = Math.abs(cv - holdout);
  const scale = Math.max(Math.abs(cv), 1e-9);
  if (gap / scale > 0.1 && gap > 2 * best.cv!.std) {
    return [`The holdout ${metric} (${holdout.toFixed(4)}) differs from cross-validation (${cv.toFixed(4)}) by more than 10%: the CV estimate may be optimistic or the holdout small.`];
  }
  return [];
}
