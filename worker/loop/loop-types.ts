import type { Config } from '../../core/config.ts';
import type { OuroError } from '../../core/errors.ts';
import type { EventSink } from '../../core/events/event-log.ts';
import type { Logger } from '../../core/logger.ts';
import type { PublishInput } from '../../core/registry.ts';
import type { RunPaths } from '../../core/run-paths.ts';
import type { RunEventInput } from '../../core/schemas/events.ts';
import type { Journal } from '../../core/schemas/journal.ts';
import type { ModelCard } from '../../core/schemas/model-card.ts';
import type { Profile, TargetAnalysis } from '../../core/schemas/profile.ts';
import type { RunRequest } from '../../core/schemas/run-request.ts';
import type { ArtifactStore } from '../../core/store/artifact-store.ts';
import type { SandboxDriver, SandboxLimits } from '../../sandbox/driver.ts';
import type { Brain } from '../brains/brain.ts';
import type { TargetQuestion } from '../intake/understand-goal.ts';
import type { TaskKind } from '../kinds/task-kind.ts';

export interface LoopDeps {
  config: Config;
  driver: SandboxDriver;
  brain: Brain;
  events: EventSink;
  logger: Logger;
  limits: SandboxLimits;
  /** Holds the uploaded file; the run folder gets its own copy. */
  store: ArtifactStore;
  /** Steering messages from the thread, read at each decision (newest last). */
  steering?: () => readonly string[];
  /**
   * Makes the published model reachable (key, server) and returns its URL. Injected by the
   * composing process: the loop does not know how models are served.
   */
  deploy?: (card: ModelCard) => Promise<{ url: string } | null>;
  /** Aborting stops the run: the running experiment is killed, the best so far is validated. */
  signal?: AbortSignal;
  /**
   * Called after every journal save, when the run folder is consistent: a worker with a remote
   * store copies it there so another host can take the run over.
   */
  checkpoint?: () => Promise<void>;
  /** Publishes the best model; default: the local registry under OURO_HOME. */
  publish?: (name: string, input: PublishInput) => Promise<ModelCard>;
}

export interface RunOutcome {
  /** `needs_input`: the goal did not settle the target; the run asked (a `question` event) and ended. */
  status: 'succeeded' | 'failed' | 'cancelled' | 'needs_input';
  journal: Journal;
  card: ModelCard | null;
  error?: OuroError;
  /** With `needs_input`: what the run asked. */
  question?: TargetQuestion;
}

/** What every step of a run shares: its journal, folders, request, dependencies and clock. */
export interface RunContext {
  journal: Journal;
  paths: RunPaths;
  request: RunRequest;
  deps: LoopDeps;
  emit: (event: RunEventInput) => Promise<unknown>;
  /** Milliseconds the run has used, earlier attempts (before a resume) included. */
  elapsed: () => number;
  /** Saves the journal atomically, then checkpoints the run folder. */
  save: () => Promise<void>;
  /** The journal already had a plan or experiments: this is a resumed run. */
  resumed: boolean;
}

/** A run past its split: the data's profile, the target's analysis and the kind of work. */
export interface LoopContext extends RunContext {
  profile: Profile;
  analysis: TargetAnalysis;
  kind: TaskKind;
}
