import type { EventSink } from '../../../core/events/event-log.ts';
import type { Diagnosis } from '../../../core/schemas/diagnosis.ts';
import type { JournalNode, Plan } from '../../../core/schemas/journal.ts';
import type { BrainUsage } from '../../../core/schemas/model-card.ts';
import type { CrashEvidence } from '../../diagnosis/classify-crash.ts';
import type { Brain, BrainState, Decision, PlanInput } from '../brain.ts';
import type { HeuristicBrain } from '../heuristic/heuristic-brain.ts';
import { servesTask } from '../../../core/catalog/family-lookup.ts';
import { kindOf } from '../../kinds/kinds.ts';
import { LlmError } from './client.ts';
import type { LlmBrain } from './llm-brain.ts';

const scalar = (v: unknown) => v === null || ['number', 'string', 'boolean'].includes(typeof v);

/**
 * The LLM brain with the heuristic brain behind it, so the loop never has to know which one
 * decided. A provider that keeps failing (after the SDK's retries), or a cap reached before
 * any model worked, hands the rest of the run to the heuristic brain, once, with a warning in
 * the thread; a reply that stays invalid after its repair hands over that one decision only.
 */
export class FallbackBrain implements Brain {
  readonly name: string;
  private switched: string | null = null;
  private planInput: PlanInput | null = null;
  private heuristicPlan: Plan | null = null;

  constructor(
    private readonly primary: LlmBrain,
    private readonly fallback: HeuristicBrain,
    private readonly events: EventSink,
  ) {
    this.name = primary.name;
  }

  usage(): BrainUsage {
    return this.primary.usage();
  }

  async plan(input: PlanInput): Promise<Plan> {
    this.planInput = input;
    const llm = kindOf(input.task).llm;
    if (this.switched === null && !llm.writes) {
      // The LLM's script rules describe the tabular experiment API only; the kind's heuristic
      // playbook knows its own.
      this.switched = llm.why;
      this.primary.markFellBack(this.switched);
      await this.events.emit({ type: 'note', level: 'info', message: llm.note });
    }
    if (this.switched === null) {
      try {
        return await this.primary.plan(input);
      } catch (err) {
        await this.failed(err, 'the plan');
      }
    }
    return this.fallback.plan(input);
  }

  async next(state: BrainState): Promise<Decision> {
    if (this.switched === null) {
      try {
        return await this.primary.next(state);
      } catch (err) {
        await this.failed(err, 'the next experiment');
      }
    }
    return this.fallback.next(await this.heuristicView(state));
  }

  async diagnose(evidence: CrashEvidence, node: JournalNode): Promise<Diagnosis> {
    if (this.switched === null) {
      try {
        return await this.primary.diagnose(evidence, node);
      } catch (err) {
        await this.failed(err, 'the diagnosis');
      }
    }
    return this.fallback.diagnose(evidence);
  }

  private async failed(err: unknown, what: string): Promise<void> {
    if (!(err instanceof LlmError)) throw err;
    if (err.code === 'invalid_output') {
      await this.events.emit({
        type: 'note',
        level: 'warn',
        message: `The LLM's answer for ${what} stayed invalid after a repair (${err.message}); the heuristic brain decides this step.`,
      });
      return;
    }
    this.switched =
      err.code === 'cap'
        ? `${err.message}, before any model worked`
        : `the LLM provider failed: ${err.message}`;
    this.primary.markFellBack(this.switched);
    await this.events.emit({
      type: 'note',
      level: 'warn',
      message: `${this.switched.charAt(0).toUpperCase()}${this.switched.slice(1)}. The run continues on the heuristic brain.`,
    });
  }

  /**
   * The journal as the heuristic brain can build on it: its own plan's families (it cannot
   * write scripts for families it does not know), and only experiments of families it knows.
   */
  private async heuristicView(state: BrainState): Promise<BrainState> {
    const input: PlanInput = this.planInput ?? {
      goal: '',
      target: state.plan.target,
      targetReason: state.plan.targetReason,
      task: state.plan.task,
      metric: state.plan.metric,
      metricReason: state.plan.metricReason,
      profile: state.profile,
      analysis: state.analysis,
    };
    this.heuristicPlan ??= await this.fallback.plan(input);
    const known = new Set(
      state.nodes
        .filter((n) => servesTask(n.recipe.family, state.plan.task) && n.recipe.family !== 'ensemble')
        .map((n) => n.id),
    );
    const nodes = state.nodes
      .filter(
        (n) =>
          known.has(n.id) || (n.recipe.family === 'ensemble' && n.recipe.members.every((m) => known.has(m))),
      )
      .map((n) => ({
        ...n,
        recipe: {
          ...n.recipe,
          params: Object.fromEntries(Object.entries(n.recipe.params).filter(([, v]) => scalar(v))),
        },
      }));
    const dropColumns = [
      ...state.plan.dropColumns,
      ...this.heuristicPlan.dropColumns.filter(
        (d) => !state.plan.dropColumns.some((p) => p.column === d.column),
      ),
    ];
    return { ...state, plan: { ...state.plan, families: this.heuristicPlan.families, dropColumns }, nodes };
  }
}
