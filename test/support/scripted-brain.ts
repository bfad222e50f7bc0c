import type { Diagnosis } from '../../core/schemas/diagnosis.ts';
import type { JournalNode, Plan } from '../../core/schemas/journal.ts';
import type { CrashEvidence } from '../../worker/diagnosis/classify-crash.ts';
import type { Brain, BrainState, Decision, PlanInput } from '../../worker/brains/brain.ts';
import { HeuristicBrain } from '../../worker/brains/heuristic/heuristic-brain.ts';

/**
 * The real heuristic brain with its first decisions forced: tests use it to start from a
 * known-bad experiment and watch the real diagnosis and the real fix take over.
 */
export class ScriptedBrain implements Brain {
  readonly name = 'scripted';
  private readonly inner = new HeuristicBrain();
  private readonly forced: ((state: BrainState) => Decision)[];

  constructor(forced: ((state: BrainState) => Decision)[]) {
    this.forced = [...forced];
  }

  plan(input: PlanInput): Promise<Plan> {
    return this.inner.plan(input);
  }

  next(state: BrainState): Promise<Decision> {
    const f = this.forced.shift();
    return f !== undefined ? Promise.resolve(f(state)) : this.inner.next(state);
  }

  diagnose(evidence: CrashEvidence, _node: JournalNode): Promise<Diagnosis> {
    return this.inner.diagnose(evidence);
  }
}
