import type { RunRequest } from '../../core/schemas/run-request.ts';
import { datasetLink } from '../../core/dataset-links.ts';
import type { KindOfWork } from '../kinds/work-kind.ts';
import { synthesize, type SynthDeps } from './synthesize.ts';

/**
 * A queued request for synthetic data: `kind: 'synthesize'`, or — until the goal router
 * (worker/intake/route-goal.ts) decides for every kind — a goal that plainly asks for made-up
 * rows. A goal that also asks to predict stays a model run.
 */
const ASKS_FOR_DATA =
  /\b(synthetic|synthesi[sz]e|fake (data|rows)|test data|dummy data|mock data|augment\w*|oversampl\w*|more (examples|rows|samples|cases) of|anonymi[sz]e)\b/i;

export function wantsSynthesisJob(request: RunRequest): boolean {
  if (request.kind !== undefined) return request.kind === 'synthesize';
  return ASKS_FOR_DATA.test(request.goal) && !/\b(predict|forecast|classify)\b/i.test(request.goal);
}

/**
 * Synthetic data (docs/architecture.md, "Synthetic data"): the synthesis loop; the dataset and
 * its data card travel in the `dataset.published` event.
 */
export const synthesisWork: KindOfWork = {
  id: 'synthesize',
  publishes: 'dataset',
  run: (request, job) =>
    runSynthesisJob(request, {
      config: job.config,
      driver: job.driver,
      limits: job.limits,
      store: job.store,
      events: job.events,
      logger: job.logger,
      signal: job.signal,
    }),
};

/** The worker's side of a synthesis run: the run request's fields as the synthesis loop takes them. */
export async function runSynthesisJob(
  request: RunRequest,
  deps: SynthDeps,
): Promise<{ status: 'succeeded' | 'failed'; card: null }> {
  const o = request.options;
  // A signed download link on `ouro serve`, when this deployment has a public URL and a token.
  const { OURO_PUBLIC_URL: base, OURO_INTERNAL_TOKEN: token } = deps.config;
  if (deps.linkFor === undefined && base !== undefined && token !== undefined)
    deps = { ...deps, linkFor: (runId, file) => datasetLink(base, token, runId, file) };
  const outcome = await synthesize(
    {
      runId: request.runId,
      dataset: request.dataset,
      goal: request.goal,
      ...(o.rows !== undefined ? { rows: o.rows } : {}),
      ...(o.target !== undefined ? { target: o.target } : {}),
      budgetSeconds: o.budgetSeconds,
      seed: o.seed,
    },
    deps,
  );
  // No model card: the dataset and its data card travel in the dataset.published event.
  return { status: outcome.status, card: null };
}
