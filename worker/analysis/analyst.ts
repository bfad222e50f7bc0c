import type { Diagnosis } from '../../core/schemas/diagnosis.ts';
import type { Profile } from '../../core/schemas/profile.ts';
import type { CrashEvidence } from '../diagnosis/classify-crash.ts';
import type { Ledger } from './findings-ledger.ts';
import type { AnalysisIntent } from './understand-question.ts';
import type { AnalysisStep } from './write-analysis-script.ts';

/**
 * The analyst port (docs/architecture.md, "Analysis reports"): who plans the analyses, revises
 * one that crashed, and writes the report's prose. The heuristic analyst is the offline
 * default; the LLM analyst writes scripts for free-form questions and the narrative. Either
 * way the loop runs the scripts, reads their findings through the trust boundary, and the
 * number checker holds the prose to the ledger.
 */
export interface AnalystContext {
  question: string;
  intent: AnalysisIntent;
  profile: Profile;
  seed: number;
  budgetMs: number;
}

export interface Narrative {
  /** The answer to the question, first thing in the report and the thread. */
  answer: string;
  /** More prose after the answer (may be empty). */
  discussion: string;
}

export interface Analyst {
  readonly kind: 'heuristic' | 'llm';
  plan(ctx: AnalystContext): Promise<AnalysisStep[]>;
  /** The step again, fixed for what the diagnosis names; null to give it up. */
  revise(
    ctx: AnalystContext,
    step: AnalysisStep,
    evidence: CrashEvidence,
    diagnosis: Diagnosis,
    attempt: number,
  ): Promise<AnalysisStep | null>;
  /** A free-form follow-up once the planned analyses ran (LLM: reads the results; heuristic: none). */
  followUp?(ctx: AnalystContext, ledger: Ledger): Promise<AnalysisStep[]>;
  narrative(ctx: AnalystContext, ledger: Ledger): Promise<Narrative>;
}
