import type { Config } from '../../core/config.ts';
import type { EventSink } from '../../core/events/event-log.ts';
import type { Logger } from '../../core/logger.ts';
import type { PublishInput } from '../../core/registry.ts';
import type { RunPaths } from '../../core/run-paths.ts';
import type { ModelCard } from '../../core/schemas/model-card.ts';
import type { RunRequest, WorkKind } from '../../core/schemas/run-request.ts';
import type { ArtifactStore } from '../../core/store/artifact-store.ts';
import type { SandboxDriver, SandboxLimits } from '../../sandbox/driver.ts';
import type { Brain } from '../brains/brain.ts';

/**
 * One kind of work a run request can ask for (docs/architecture.md, "Kinds of work"): what it
 * publishes and the loop that does it. The queue worker (worker/queue/run-worker.ts) builds one
 * `WorkContext` per job and hands it to the kind `kindOfWork` (worker/kinds/work-kinds.ts)
 * picks; it never asks which kind it holds. Inside the model loop a `TaskKind` per task
 * (worker/kinds/task-kind.ts) says how tabular prediction and forecasting differ.
 */
export interface KindOfWork {
  readonly id: WorkKind;
  /** What a run of this kind leaves for people: a served model, a written report, a dataset. */
  readonly publishes: 'model' | 'report' | 'dataset';
  /** Does the work; reports its outcome in events (`finished`, `report.published`, ...) as it goes. */
  run(request: RunRequest, job: WorkContext): Promise<WorkOutcome>;
}

/** What the worker gives every kind of work; each kind takes what it uses. */
export interface WorkContext {
  config: Config;
  driver: SandboxDriver;
  limits: SandboxLimits;
  store: ArtifactStore;
  /** The run's own event sink (file log, Redis stream, metrics). */
  events: EventSink;
  logger: Logger;
  /** Aborted by a `stop` in the thread or by the queue. */
  signal: AbortSignal;
  paths: RunPaths;
  /** The brain for the run; made only when a kind asks (the model loop does). */
  brain(): Brain;
  /** Steering messages from the thread so far (newest last). */
  steering(): readonly string[];
  /** With a remote store: copies the run folder there after each journal save (LoopDeps.checkpoint). */
  checkpoint?: () => Promise<void>;
  /** With a remote store: publishes a model to the registry in it (LoopDeps.publish). */
  publish?: (name: string, input: PublishInput) => Promise<ModelCard>;
  /** Makes a published model reachable and returns its URL (LoopDeps.deploy). */
  deploy?: (card: ModelCard) => Promise<{ url: string } | null>;
}

/** The outcome of any kind of work, in the shape the worker reports for every run. */
export interface WorkOutcome {
  status: 'succeeded' | 'failed' | 'cancelled' | 'needs_input';
  /** The published model's card; null for a report or a dataset (their events carry them). */
  card: ModelCard | null;
}
