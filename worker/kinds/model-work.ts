import { runLoop } from '../loop/run-loop.ts';
import type { KindOfWork } from './work-kind.ts';

/**
 * A model to deploy, or a forecast: both run the model loop (worker/loop/run-loop.ts), which
 * picks the `TaskKind` from the task it settles (tabular or forecasting) and, for a request
 * that does not say its kind, tells the two apart itself.
 */
export const modelWork: KindOfWork = {
  id: 'model',
  publishes: 'model',
  run: (request, job) =>
    runLoop(request, {
      config: job.config,
      driver: job.driver,
      brain: job.brain(),
      events: job.events,
      logger: job.logger,
      limits: job.limits,
      store: job.store,
      signal: job.signal,
      steering: job.steering,
      ...(job.checkpoint !== undefined ? { checkpoint: job.checkpoint } : {}),
      ...(job.publish !== undefined ? { publish: job.publish } : {}),
      ...(job.deploy !== undefined ? { deploy: job.deploy } : {}),
    }),
};
