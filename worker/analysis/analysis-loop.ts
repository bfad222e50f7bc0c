import { mkdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Config } from '../../core/config.ts';
import { OuroError } from '../../core/errors.ts';
import type { EventSink } from '../../core/events/event-log.ts';
import type { Logger } from '../../core/logger.ts';
import { ownerOf } from '../../core/model-owner.ts';
import { runPaths, type RunPaths } from '../../core/run-paths.ts';
import { ProfileSchema, type Profile } from '../../core/schemas/profile.ts';
import { RunRequestSchema, type RunRequest } from '../../core/schemas/run-request.ts';
import type { ArtifactStore } from '../../core/store/artifact-store.ts';
import { pathExists } from '../../core/store/path-exists.ts';
import { writeJsonAtomic } from '../../core/store/json-file.ts';
import { readUntrustedJson } from '../../core/untrusted-files.ts';
import type { SandboxDriver, SandboxLimits } from '../../sandbox/driver.ts';
import { classifyCrash } from '../diagnosis/classify-crash.ts';
import { runTrustedStep } from '../sandbox-steps.ts';
import type { Analyst, AnalystContext } from './analyst.ts';
import { Ledger } from './findings-ledger.ts';
import { checkNumbers } from './number-checker.ts';
import { publishReport, reportDir } from './publish-report.ts';
import { runAnalysis } from './run-analysis.ts';
import { understandQuestion } from './understand-question.ts';
import { writeAnalysisScript, type AnalysisStep } from './write-analysis-script.ts';

export interface AnalysisDeps {
  config: Config;
  driver: SandboxDriver;
  analyst: Analyst;
  events: EventSink;
  logger: Logger;
  limits: SandboxLimits;
  store: ArtifactStore;
  signal?: AbortSignal;
  /** The base URL reports are served under (`ouro serve`); null: no link, the folder's path instead. */
  publicUrl?: string | null;
}

export interface AnalysisOutcome {
  status: 'succeeded' | 'failed' | 'cancelled';
  reportDir: string | null;
  url: string | null;
  ledger: Ledger;
  error?: OuroError;
}

const MIN_ANALYSIS_MS = 15_000;
const FIRST_ANALYSIS_MS = 90_000;
const MAX_ATTEMPTS = 3;

/**
 * The analysis loop (docs/architecture.md, "Analysis reports"): profile the table (the
 * trusted `inspect` step, as the model loop does), understand the question, let the analyst
 * plan, run each analysis as a fresh `analysis.py` in the sandbox, diagnose a crash with the
 * crash taxonomy and let the analyst revise it, collect every findings.json into the ledger,
 * have the analyst write the prose, hold it to the ledger with the number checker, and
 * publish the report.
 */
export async function runAnalysisLoop(
  requestInput: RunRequest,
  deps: AnalysisDeps,
): Promise<AnalysisOutcome> {
  const request = RunRequestSchema.parse(requestInput);
  const paths = runPaths(deps.config.OURO_HOME, request.runId);
  const emit = deps.events.emit.bind(deps.events);
  const started = performance.now();
  const budgetMs = request.options.budgetSeconds * 1000;
  const left = () => budgetMs - (performance.now() - started);
  const ledger = new Ledger();
  try {
    await emit({
      type: 'accepted',
      goal: request.goal,
      file: request.dataset.filename,
      budgetSeconds: request.options.budgetSeconds,
    });
    const profile = await profileTable(paths, request, deps);
    await emit({
      type: 'profiled',
      rows: profile.rows,
      columns: profile.columns.length,
      findings: profile.findings,
    });
    const intent = understandQuestion(
      request.goal,
      profile,
      request.options.target ? { target: request.options.target } : {},
    );
    await emit({ type: 'note', level: 'info', message: `Question: ${intent.kind} — ${intent.reason}.` });
    const ctx: AnalystContext = {
      question: request.goal,
      intent,
      profile,
      seed: request.options.seed,
      budgetMs,
    };
    const planned = await deps.analyst.plan(ctx);
    await emit({
      type: 'note',
      level: 'info',
      message: `Plan (${deps.analyst.kind} analyst): ${planned.map((s) => `${s.id} ${s.title}`).join('; ')}.`,
    });

    const queue = [...planned];
    let followed = false;
    while (queue.length > 0) {
      if (deps.signal?.aborted) break;
      const step = queue.shift()!;
      if (left() < MIN_ANALYSIS_MS && ledger.entries.length > 0) {
        await emit({
          type: 'note',
          level: 'warn',
          message: `The budget is nearly used up; ${[step, ...queue].map((s) => s.id).join(', ')} did not run.`,
        });
        break;
      }
      await runStep(step, ctx, ledger, paths, deps, left);
      if (queue.length === 0 && !followed && deps.analyst.followUp) {
        followed = true;
        const more = await deps.analyst.followUp(ctx, ledger);
        queue.push(...more);
      }
    }
    if (ledger.entries.length === 0)
      throw new OuroError(
        'run_failed',
        'No analysis finished; the scripts and their errors are in the run folder under analyses/.',
      );

    const narrative = await deps.analyst.narrative(ctx, ledger);
    const names = [
      ...profile.columns.map((c) => c.name),
      ...ledger.claims.map((c) => c.subject ?? '').filter((s) => s.length > 0),
    ];
    const answer = checkNumbers(narrative.answer, ledger, names);
    const discussion = checkNumbers(narrative.discussion, ledger, names);
    for (const r of [...answer.rejected, ...discussion.rejected]) {
      await emit({
        type: 'note',
        level: 'warn',
        message: `Number check: "${r.sentence.slice(0, 160)}" shows ${r.numbers.join(', ')}, which no finding holds; ${r.replacedBy !== null ? `replaced by finding ${r.replacedBy}` : 'removed'}.`,
      });
    }
    if (answer.sentences.length === 0) {
      // Nothing of the prose survived: the answer is the findings themselves.
      for (const c of ledger.claims.slice(0, 3)) answer.sentences.push({ text: c.text, findings: [c.id] });
    }

    const id = request.runId;
    const createdAt = new Date().toISOString();
    const parts = {
      id,
      question: request.goal,
      intent,
      createdAt,
      file: request.dataset.filename,
      answer,
      discussion,
      ledger,
      analyst: deps.analyst.kind,
    };
    const highlights = topHighlights(ledger, intent.kind);
    const charts = topCharts(ledger, intent.kind);
    const answerText = answer.sentences.map((s) => s.text).join(' ');
    const published = await publishReport({
      home: deps.config.OURO_HOME,
      runRoot: paths.root,
      parts,
      ledger,
      chromium: deps.config.OURO_CHROMIUM,
      meta: {
        id,
        runId: request.runId,
        question: request.goal,
        file: request.dataset.filename,
        createdAt,
        owner: ownerOf(request.origin),
        answer: answerText,
        highlights,
        charts,
      },
    });
    if (!published.pdf)
      await emit({ type: 'note', level: 'info', message: `The report has no PDF: ${published.pdfWhy}.` });
    const url = deps.publicUrl
      ? `${deps.publicUrl.replace(/\/$/, '')}/reports/${encodeURIComponent(id)}`
      : null;
    await writeJsonAtomic(join(paths.root, 'report.json'), { report: id, dir: published.dir, url });
    await emit({
      type: 'report.published',
      report: id,
      question: request.goal,
      url,
      path: published.dir,
      findings: join(published.dir, 'findings.json'),
      answer: answerText,
      highlights,
      charts,
      pdf: published.pdf,
    });
    return {
      status: deps.signal?.aborted ? 'cancelled' : 'succeeded',
      reportDir: reportDir(deps.config.OURO_HOME, id),
      url,
      ledger,
    };
  } catch (err) {
    const error =
      err instanceof OuroError
        ? err
        : new OuroError(
            'internal',
            `ouro hit an internal error (${(err as Error).message.split('\n')[0]?.slice(0, 200)}).`,
            { cause: err },
          );
    deps.logger.debug({ err }, 'analysis failed');
    await emit({ type: 'failed', code: error.code, message: error.message }).catch(() => undefined);
    return { status: 'failed', reportDir: null, url: null, ledger, error };
  }
}

/** One analysis: run, and on a crash diagnose and let the analyst revise, at most MAX_ATTEMPTS times. */
async function runStep(
  first: AnalysisStep,
  ctx: AnalystContext,
  ledger: Ledger,
  paths: RunPaths,
  deps: AnalysisDeps,
  left: () => number,
): Promise<void> {
  const emit = deps.events.emit.bind(deps.events);
  let step: AnalysisStep | null = first;
  for (let attempt = 1; step !== null && attempt <= MAX_ATTEMPTS; attempt++) {
    const dir = join(paths.root, 'analyses', step.id);
    const script = writeAnalysisScript(step, ctx.question, ctx.seed);
    await emit({
      type: 'note',
      level: 'info',
      message: `${step.id}: ${step.title}${attempt > 1 ? ` (attempt ${attempt})` : ''} — analyses/${step.id}/analysis.py`,
    });
    const t0 = performance.now();
    // Reading a large file can use up the budget before any analysis: the first one still gets
    // FIRST_ANALYSIS_MS, so a report always has its overview.
    const floor = ledger.entries.length === 0 ? FIRST_ANALYSIS_MS : MIN_ANALYSIS_MS;
    const timeoutMs = Math.max(floor, Math.min(deps.config.OURO_EXPERIMENT_TIMEOUT_S * 1000, left()));
    const run = await runAnalysis({
      driver: deps.driver,
      limits: deps.limits,
      dir,
      script,
      prep: paths.prep,
      timeoutMs,
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    if (run.findings !== null) {
      // The ids of claims are the script's business; the ledger insists they belong to this step.
      const findings = {
        ...run.findings,
        analysis: step.id,
        claims: run.findings.claims.filter((c) => c.id.startsWith(`${step!.id}.`)),
      };
      ledger.add({
        id: step.id,
        title: step.title,
        why: step.why,
        script: `analyses/${step.id}/analysis.py`,
        findings,
      });
      await emit({
        type: 'note',
        level: 'info',
        message: `${step.id} finished in ${secs} s: ${findings.claims.length} finding(s), ${findings.charts.length} chart(s).`,
      });
      return;
    }
    if (run.result.cancelled) return;
    const diagnosis = classifyCrash(run.evidence);
    await emit({
      type: 'note',
      level: 'warn',
      message: `${step.id} failed after ${secs} s — diagnosis: ${diagnosis.class} (${diagnosis.evidence.slice(0, 200)}); fix: ${diagnosis.fix}.`,
    });
    await mkdir(dir, { recursive: true });
    step = await deps.analyst.revise(ctx, step, run.evidence, diagnosis, attempt);
    if (step === null)
      await emit({
        type: 'note',
        level: 'warn',
        message: `${first.id} is given up: no fix for a ${diagnosis.class} failure.`,
      });
  }
}

function topHighlights(ledger: Ledger, kind: string): { text: string; finding: string }[] {
  const order: Record<string, string[]> = {
    drivers: ['driver', 'partial_dependence', 'segment'],
    compare: ['comparison', 'group'],
    trend: ['trend', 'comparison'],
    quality: ['quality'],
  };
  const kinds = order[kind] ?? ['summary', 'distribution', 'association'];
  const picked = kinds.flatMap((k) => ledger.claims.filter((c) => c.kind === k));
  return picked.slice(0, 3).map((c) => ({ text: c.text, finding: c.id }));
}

function topCharts(ledger: Ledger, kind: string): { path: string; title: string }[] {
  const prefer =
    kind === 'drivers'
      ? ['importance', 'pd-', 'segments']
      : kind === 'compare'
        ? ['-by-']
        : kind === 'trend'
          ? ['over-time']
          : [''];
  const all = ledger.entries.flatMap((e) =>
    e.findings.charts.map((c) => ({ path: `analyses/${e.id}/${c.file}`, title: c.title })),
  );
  const ranked = prefer.flatMap((p) => all.filter((c) => c.path.includes(p)));
  return [...new Set([...ranked, ...all])].slice(0, 3);
}

/** The run's copy of the file, profiled by the trusted `inspect` step (Node never parses it). */
async function profileTable(paths: RunPaths, request: RunRequest, deps: AnalysisDeps): Promise<Profile> {
  if (!(await pathExists(paths.profile))) {
    const local = join(paths.input, basename(request.dataset.filename));
    if (!(await pathExists(local))) {
      await deps.store.getFile(request.dataset.ref, local).catch((err: unknown) => {
        throw new OuroError(
          'input_missing',
          `Cannot fetch ${request.dataset.filename} from the artifact store (${(err as Error).message}).`,
        );
      });
    }
    const info = await stat(local);
    const capBytes = deps.config.OURO_MAX_UPLOAD_MB * 1024 * 1024;
    if (info.size > capBytes)
      throw new OuroError(
        'input_too_large',
        `${request.dataset.filename} is ${(info.size / 1024 / 1024).toFixed(0)} MB; the limit is ${deps.config.OURO_MAX_UPLOAD_MB} MB (OURO_MAX_UPLOAD_MB).`,
      );
    await mkdir(paths.prep, { recursive: true, mode: 0o755 });
    await runTrustedStep({
      driver: deps.driver,
      limits: deps.limits,
      args: [
        'inspect',
        '--input',
        local,
        '--profile',
        paths.profile,
        '--table',
        paths.table,
        '--max-bytes',
        String(capBytes),
      ],
      cwd: paths.prep,
      mounts: [{ path: local }, { path: paths.prep, writable: true }],
      timeoutMs: Math.max(120_000, deps.config.OURO_EXPERIMENT_TIMEOUT_S * 1000),
      ...(deps.signal ? { signal: deps.signal } : {}),
      doing: `reading ${request.dataset.filename}`,
    });
  }
  return readUntrustedJson(paths.profile, ProfileSchema, { root: paths.prep });
}
