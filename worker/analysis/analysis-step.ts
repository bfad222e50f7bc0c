import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunPaths } from '../../core/run-paths.ts';
import { classifyCrash } from '../diagnosis/classify-crash.ts';
import type { AnalysisDeps } from './analysis-loop.ts';
import type { AnalystContext } from './analyst.ts';
import type { Ledger } from './findings-ledger.ts';
import { runAnalysis } from './run-analysis.ts';
import { writeAnalysisScript, type AnalysisStep } from './write-analysis-script.ts';

/** Below this much budget left, an analysis is not started once the report has a finding. */
export const MIN_ANALYSIS_MS = 15_000;
const FIRST_ANALYSIS_MS = 90_000;
const MAX_ATTEMPTS = 3;

/** One analysis: run, and on a crash diagnose and let the analyst revise, at most MAX_ATTEMPTS times. */
export async function runStep(
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
