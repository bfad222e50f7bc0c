import { z } from 'zod';
import type { Config } from '../../core/config.ts';
import type { EventSink } from '../../core/events/event-log.ts';
import type { Diagnosis } from '../../core/schemas/diagnosis.ts';
import { emptySpend, type ClientDecision } from '../brains/llm/accounting.ts';
import { LlmClient, LlmError } from '../brains/llm/client.ts';
import type { CrashEvidence } from '../diagnosis/classify-crash.ts';
import type { Analyst, AnalystContext, Narrative } from './analyst.ts';
import type { Ledger } from './findings-ledger.ts';
import { HeuristicAnalyst } from './heuristic-analyst.ts';
import { fixPrompt, narrativePrompt, planPrompt } from './llm-prompts.ts';
import type { AnalysisStep } from './write-analysis-script.ts';

const PlanReply = z.object({
  analyses: z
    .array(
      z.object({
        id: z.string(),
        title: z.string().max(200),
        why: z.string().max(600),
        script: z.string().min(20).max(40_000),
      }),
    )
    .max(4),
});
const FixReply = z.object({ script: z.string().min(20).max(40_000) });
const NarrativeReply = z.object({ answer: z.string().min(1).max(4000), discussion: z.string().max(6000) });

/** A script must import the helpers and write findings.json through them. */
function scriptProblem(script: string): string | null {
  if (!/from ouro_harness\.analysis import|import ouro_harness\.analysis/.test(script))
    return 'the script must import from ouro_harness.analysis';
  if (!/\.write\(\)/.test(script)) return 'the script must end with f.write() (findings.json)';
  return null;
}

/**
 * The LLM analyst (docs/architecture.md, "Analysis reports"): the heuristic analyst's plan for
 * the questions it knows (drivers, groups, trends, quality), scripts written by the model for
 * free-form ones, fixes of crashed scripts from the traceback and the diagnosis, and the
 * narrative — which the loop's number checker then holds to the ledger. When the provider
 * fails, the heuristic analyst takes over that decision and the run says so.
 */
export class LlmAnalyst implements Analyst {
  readonly kind = 'llm' as const;
  private readonly heuristic = new HeuristicAnalyst();

  constructor(
    private readonly client: LlmClient,
    private readonly events: EventSink,
  ) {}

  static fromConfig(config: Config, events: EventSink): LlmAnalyst {
    return new LlmAnalyst(LlmClient.fromConfig(config), events);
  }

  private async ask<T>(
    decision: ClientDecision,
    prompt: { system: string; user: string },
    schema: z.ZodType<T>,
    check?: (v: T) => string | null,
  ): Promise<T | null> {
    try {
      return await this.client.complete({
        decision,
        ...prompt,
        schema,
        ...(check ? { check } : {}),
        spent: emptySpend(),
      });
    } catch (err) {
      if (!(err instanceof LlmError)) throw err;
      await this.events.emit({
        type: 'note',
        level: 'warn',
        message: `The LLM analyst could not ${decision === 'narrative' ? 'write the answer' : 'write a script'} (${err.message.slice(0, 200)}); the heuristic analyst does it instead.`,
      });
      return null;
    }
  }

  async plan(ctx: AnalystContext): Promise<AnalysisStep[]> {
    const base = await this.heuristic.plan(ctx);
    if (ctx.intent.kind !== 'free' && ctx.intent.kind !== 'distribution') return base;
    const first = base[0]!;
    const ids = ['a2', 'a3', 'a4'];
    const reply = await this.ask('analysis', planPrompt(ctx, ids), PlanReply, (r) => {
      for (const a of r.analyses) {
        const problem = scriptProblem(a.script);
        if (problem !== null) return `${a.id}: ${problem}`;
      }
      return null;
    });
    if (reply === null || reply.analyses.length === 0) return base;
    return [
      first,
      ...reply.analyses.slice(0, ids.length).map((a, i): AnalysisStep => ({
        id: ids[i]!,
        kind: 'custom',
        title: a.title,
        why: a.why,
        script: a.script.replace(/Findings\(\s*['"][a-z0-9]+['"]/, `Findings('${ids[i]}'`),
        maxRows: 100_000,
        exclude: [],
      })),
    ];
  }

  async revise(
    ctx: AnalystContext,
    step: AnalysisStep,
    evidence: CrashEvidence,
    diagnosis: Diagnosis,
    attempt: number,
  ): Promise<AnalysisStep | null> {
    if (step.script === undefined) return this.heuristic.revise(ctx, step, evidence, diagnosis, attempt);
    if (attempt > 2) return null;
    const reply = await this.ask(
      'analysis',
      fixPrompt(ctx, step.script, evidence, diagnosis),
      FixReply,
      (r) => scriptProblem(r.script),
    );
    return reply === null ? null : { ...step, script: reply.script };
  }

  async narrative(ctx: AnalystContext, ledger: Ledger): Promise<Narrative> {
    const reply = await this.ask('narrative', narrativePrompt(ctx, ledger), NarrativeReply);
    return reply ?? this.heuristic.narrative(ctx, ledger);
  }
}
