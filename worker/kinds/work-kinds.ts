import type { RunRequest, WorkKind } from '../../core/schemas/run-request.ts';
import { analysisWork } from '../analysis/analysis-job.ts';
import { routeGoal } from '../intake/route-goal.ts';
import { synthesisWork, wantsSynthesisJob } from '../synthesis/synthesis-job.ts';
import { forecastWork } from './forecast/forecast-work.ts';
import { modelWork } from './model-work.ts';
import type { KindOfWork } from './work-kind.ts';

/**
 * The kinds of work, by `WorkKindSchema` value (docs/architecture.md, "Kinds of work"): a new
 * kind is its value in core/schemas/run-request.ts and one entry here.
 */
const KINDS_OF_WORK: Readonly<Record<WorkKind, KindOfWork>> = {
  model: modelWork,
  forecast: forecastWork,
  analysis: analysisWork,
  synthesize: synthesisWork,
};

/** The kind of work a queued request asks for. */
export function kindOfWork(request: RunRequest): KindOfWork {
  return KINDS_OF_WORK[workKindOf(request)];
}

/**
 * The request's `kind`, or — for a request that does not say (a chat mention, `ouro submit`) —
 * synthetic rows when the goal plainly asks for them (`wantsSynthesisJob`, which keeps a goal
 * that also asks to predict a model run), else the goal router's reading. The router's own
 * "synthesize" (its words are broader) stays with the model loop, as before kinds were one
 * registry; the model loop tells a model from a forecast itself.
 */
export function workKindOf(request: RunRequest): WorkKind {
  if (request.kind !== undefined) return request.kind;
  if (wantsSynthesisJob(request)) return 'synthesize';
  const routed = routeGoal(request.goal).kind;
  return routed === 'synthesize' ? 'model' : routed;
}
