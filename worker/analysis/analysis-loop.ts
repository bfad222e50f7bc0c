import { join } from 'node:path';
import type { Config } from '../../core/config.ts';
import { OuroError } from '../../core/errors.ts';
import type { EventSink } from '../../core/events/event-log.ts';
import type { Logger } from '../../core/logger.ts';
import { ownerOf } from '../../core/model-owner.ts';
import { runPaths } from '../../core/run-paths.ts';
import { RunRequestSchema, type RunRequest } from '../../core/schemas/run-request.ts';
import type { ArtifactStore } from '../../core/store/artifact-store.ts';
import { writeJsonAtomic } from '../../core/store/json-file.ts';
import type { SandboxDriver, SandboxLimits } from '../../sandbox/driver.ts';
import { MIN_ANALYSIS_MS, runStep } from './analysis-step.ts';
import type { Analyst, AnalystContext } from './analyst.ts';
import { Ledger } from './findings-ledger.ts';
import { checkNumbers } from './number-checker.ts';
import { profileTable } from './profile-table.ts';
import { publishReport, reportDir } from './publish-report.ts';
import { topCharts, topHighlights } from './report-highlights.ts';
import { understandQuestion } from './understand-question.ts';

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
