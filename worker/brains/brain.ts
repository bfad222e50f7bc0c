import type { Diagnosis } from '../../core/schemas/diagnosis.ts';
import type { BrainUsage } from '../../core/schemas/model-card.ts';
import type { JournalNode, Operator, Plan, Recipe } from '../../core/schemas/journal.ts';
import type { Profile, TargetAnalysis } from '../../core/schemas/profile.ts';
import type { Metric, Task } from '../../core/schemas/task.ts';
import type { CrashEvidence } from '../diagnosis/classify-crash.ts';

/** What a brain knows when it plans: the goal as understood and the data's profile. */
export interface PlanInput {
  goal: string;
  target: string;
  targetReason: string;
  task: Task;
  metric: Metric;
  metricReason: string;
  profile: Profile;
  analysis: TargetAnalysis;
}

/** What a brain knows when it picks the next step: the plan and a compact journal. */
export interface BrainState {
  plan: Plan;
  profile: Profile;
  analysis: TargetAnalysis;
  nodes: readonly JournalNode[];
  bestNodeId: string | null;
  elapsedMs: number;
  budgetMs: number;
  maxExperiments: number;
  /** The sandbox's CPUs: what a model's threads may use. */
  cpus?: number;
  /** Steering messages from the thread, oldest first (already applied to the plan by the loop). */
  steering: readonly string[];
  /** Families a person asked for (try them next) or ruled out (never again) in the thread. */
  prefer: readonly string[];
  forbid: readonly string[];
}

export interface StrategyChange {
  from: string;
  to: string;
  why: string;
}

export type Decision =
  | {
      kind: 'experiment';
      operator: Operator;
      parent: string | null;
      hypothesis: string;
      recipe: Recipe;
      /** A whole script; when absent the recipe is rendered by the playbook's writer. */
      script?: string;
      strategy?: StrategyChange;
    }
  | { kind: 'stop'; why: string };

/** The brain port (docs/architecture.md, "The loop"): plan, decide the next experiment, diagnose a crash. */
export interface Brain {
  readonly name: string;
  plan(input: PlanInput): Promise<Plan>;
  next(state: BrainState): Promise<Decision>;
  diagnose(evidence: CrashEvidence, node: JournalNode): Promise<Diagnosis>;
  /** What the brain spent so far (tokens, cost), for the card; absent when it spends nothing. */
  usage?(): BrainUsage | null;
}
