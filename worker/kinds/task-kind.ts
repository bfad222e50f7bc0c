import type { Logger } from '../../core/logger.ts';
import type { RunPaths } from '../../core/run-paths.ts';
import type { CrashClass } from '../../core/schemas/diagnosis.ts';
import type { Recipe } from '../../core/schemas/journal.ts';
import type { ModelCard } from '../../core/schemas/model-card.ts';
import type { TargetAnalysis } from '../../core/schemas/profile.ts';
import type { KindId, Task } from '../../core/schemas/task.ts';
import type { SandboxDriver, SandboxLimits } from '../../sandbox/driver.ts';
import type { GoalUnderstanding } from '../intake/understand-goal.ts';

/**
 * The TaskKind port (docs/architecture.md, "Kinds of work"; after FLAML's `Task` and
 * `task_factory`): what one kind of work needs from the loop. The loop (worker/loop/) walks the
 * same steps for every kind — intake, profile, split, plan, experiments, judge on the holdout,
 * publish, deliver — and asks the kind at each step where kinds differ. Tabular prediction
 * (worker/kinds/tabular/) and forecasting (worker/kinds/forecast/) implement it; `kindOf`
 * (worker/kinds/kinds.ts) picks one per task.
 *
 * A task kind inside the model loop may publish a report or a dataset too: its `splitArgs` says
 * what goes to the vault, its playbook drafts its own experiments (the brain writes them with
 * `writeScript`; every experiment reports its cross-validated score in metrics.json, the
 * contract the loop reads), `scoreHoldout` judges against the vault on the host, and
 * `publishes` plus `afterJudging` say what is published; the bot renders whatever card the kind
 * produced from its data fields (core/schemas/task.ts `TASK_TRAITS`), never from its name. Work
 * with a loop of its own (analyst reports, synthetic data) is a `KindOfWork` instead
 * (worker/kinds/work-kind.ts).
 */
export interface TaskKind {
  readonly id: KindId;
  /** What a run of this kind leaves for people: a served model, a written report, a dataset. */
  readonly publishes: 'model' | 'report' | 'dataset';

  /** The harness `split` step's arguments that decide the holdout (what goes to the vault). */
  splitArgs(understood: GoalUnderstanding): string[];
  /** Warnings about the data, said in the thread before any experiment and kept on the card. */
  dataFindings(analysis: TargetAnalysis): string[];

  /** How the heuristic playbook treats this kind (worker/brains/heuristic/). */
  readonly playbook: KindPlaybook;
  /** Whether the LLM brain writes this kind's experiments; when not, why (the card) and the thread's note. */
  readonly llm: { writes: true } | { writes: false; why: string; note: string };
  /** The whole experiment script for a recipe. */
  writeScript(input: ScriptRequest): string;

  /**
   * Scores holdout predictions against the vault's contents on the host: every metric of the
   * task for the model and for the kind's baseline. `vault` is labels.json as parsed JSON.
   */
  scoreHoldout(input: HoldoutInput): { all: Record<string, number>; baselineAll: Record<string, number> };

  /**
   * Trusted steps after the holdout was judged (the vault may enter them; no generated code runs
   * after): what is served (a refit), extra files, findings and card fields for the publication.
   */
  afterJudging(ctx: AfterJudgingContext): Promise<Publication>;
}

export interface KindPlaybook {
  /** Skip the baseline draft on a short budget (the holdout compares with it anyway). */
  skipBaselineWhenShort: boolean;
  /** Candidates of a blend: the best model of each of this many top families. */
  blendMembers: number;
  /** Whether a failed experiment of this diagnosis is worth a targeted fix. */
  fixes(diagnosis: CrashClass): boolean;
  /** Drafts are sized to the table (folds, a sample, early stopping; draft-sizing.ts). */
  sizesDrafts: boolean;
  /** Feature steps (target encoding, date parts…) are chosen from the profile. */
  featureSteps: boolean;
}

export interface ScriptRequest {
  nodeId: string;
  operator: string;
  hypothesis: string;
  task: Task;
  recipe: Recipe;
  /** Recipes of the members, for a blend. */
  members?: { id: string; recipe: Recipe }[];
  /** Training rows. */
  rows: number;
}

export interface HoldoutInput {
  task: Task;
  analysis: TargetAnalysis;
  predictions: (string | number | null)[];
  probabilities: (number | null)[][] | null;
  classes: string[] | null;
  vault: unknown;
}

export interface AfterJudgingContext {
  driver: SandboxDriver;
  limits: SandboxLimits;
  paths: RunPaths;
  /** The judged model's folder. */
  modelDir: string;
  analysis: TargetAnalysis;
  logger: Logger;
  timeoutMs: number;
}

export interface Publication {
  /** The folder that is published (the judged model, or a refit of it). */
  servedDir: string;
  extraFiles: { from: string; name: string }[];
  findings: string[];
  /** Kind-specific fields of the card (e.g. `forecast`). */
  card: Partial<ModelCard>;
}
