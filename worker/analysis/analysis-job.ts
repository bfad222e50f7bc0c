import type { Config } from '../../core/config.ts';
import type { EventSink } from '../../core/events/event-log.ts';
import type { Logger } from '../../core/logger.ts';
import type { RunRequest } from '../../core/schemas/run-request.ts';
import type { ArtifactStore } from '../../core/store/artifact-store.ts';
import type { SandboxDriver, SandboxLimits } from '../../sandbox/driver.ts';
import { routeGoal } from '../intake/route-goal.ts';
import type { KindOfWork } from '../kinds/work-kind.ts';
import { runAnalysisLoop } from './analysis-loop.ts';
import { createAnalyst } from './create-analyst.ts';

/** Where reports are linked from: OURO_PUBLIC_URL, else the address `ouro serve` listens on. */
export function reportBaseUrl(config: Config): string {
  if (config.OURO_PUBLIC_URL !== undefined) return config.OURO_PUBLIC_URL.replace(/\/$/, '');
  const host = config.OURO_HOST === '0.0.0.0' || config.OURO_HOST === '::' ? '127.0.0.1' : config.OURO_HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.OURO_PORT}`;
}

/**
 * An analyst report (docs/architecture.md, "Analysis reports"): the analysis loop with the
 * analyst the request's brain names; the report travels in the `report.published` event.
 */
export const analysisWork: KindOfWork = {
  id: 'analysis',
  publishes: 'report',
  run: (request, job) =>
    runAnalysisJob(request, {
      config: job.config,
      driver: job.driver,
      events: job.events,
      logger: job.logger,
      limits: job.limits,
      store: job.store,
      signal: job.signal,
    }),
};

/** An analysis run for the queue worker; the outcome in the shape the worker reports for any run. */
export async function runAnalysisJob(
  request: RunRequest,
  deps: {
    config: Config;
    driver: SandboxDriver;
    events: EventSink;
    logger: Logger;
    limits: SandboxLimits;
    store: ArtifactStore;
    signal: AbortSignal;
  },
): Promise<{ status: 'succeeded' | 'failed' | 'cancelled'; card: null }> {
  const routed = request.kind === undefined ? routeGoal(request.goal) : null;
  if (routed !== null)
    await deps.events.emit({
      type: 'note',
      level: 'info',
      message: `An analysis report, not a model: ${routed.reason}.`,
    });
  const outcome = await runAnalysisLoop(
    { ...request, kind: 'analysis' },
    { ...deps, analyst: createAnalyst(request.options.brain, deps), publicUrl: reportBaseUrl(deps.config) },
  );
  return { status: outcome.status, card: null };
}
