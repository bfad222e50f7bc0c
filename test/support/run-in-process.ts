import { mkdir } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { FsArtifactStore } from '../../core/store/artifact-store.ts';
import { loadConfig, type Config } from '../../core/config.ts';
import { FileEventLog, type EventSink } from '../../core/events/event-log.ts';
import { newRunId } from '../../core/ids.ts';
import { createLogger } from '../../core/logger.ts';
import { runPaths, type RunPaths } from '../../core/run-paths.ts';
import type { RunEvent } from '../../core/schemas/events.ts';
import { RunRequestSchema, type RunOptions } from '../../core/schemas/run-request.ts';
import { createSandboxDriver } from '../../sandbox/create-driver.ts';
import type { SandboxLimits } from '../../sandbox/driver.ts';
import { limitsFromConfig } from '../../cli/run-command.ts';
import type { Brain } from '../../worker/brains/brain.ts';
import { HeuristicBrain } from '../../worker/brains/heuristic/heuristic-brain.ts';
import { runLoop, type RunOutcome } from '../../worker/loop/run-loop.ts';

export interface InProcessRun {
  outcome: RunOutcome;
  events: RunEvent[];
  runId: string;
  root: string;
  config: Config;
}

/** Runs the real loop in this process with the real sandbox, on a file, in a temp home. */
export async function runInProcess(opts: {
  home: string;
  file: string;
  goal: string;
  options?: Partial<RunOptions>;
  brain?: Brain;
  env?: Record<string, string>;
  limits?: Partial<SandboxLimits>;
  /** Steering messages as the thread would send them (all present from the start). */
  steering?: string[];
  /** A brain that needs the run's own event sink and folders (the LLM brain). */
  brainFor?: (events: EventSink, paths: RunPaths, config: Config) => Brain;
}): Promise<InProcessRun> {
  const config = loadConfig({ ...process.env, OURO_HOME: opts.home, OURO_LOG_LEVEL: 'silent', ...opts.env });
  const runId = newRunId();
  const paths = runPaths(config.OURO_HOME, runId);
  await mkdir(paths.input, { recursive: true, mode: 0o755 });
  const ref = relative(config.OURO_HOME, join(paths.input, basename(opts.file)));
  const store = new FsArtifactStore(config.OURO_HOME);
  await store.putFile(ref, opts.file);
  const request = RunRequestSchema.parse({
    runId,
    dataset: { ref, filename: basename(opts.file) },
    goal: opts.goal,
    options: { budgetSeconds: 120, maxExperiments: 4, ...opts.options },
    origin: { platform: 'terminal' },
  });
  const events: RunEvent[] = [];
  const log = new FileEventLog(paths.events, runId);
  log.onEvent((e) => events.push(e));
  const outcome = await runLoop(request, {
    config,
    driver: createSandboxDriver(config),
    brain: opts.brainFor?.(log, paths, config) ?? opts.brain ?? new HeuristicBrain(),
    events: log,
    logger: createLogger('silent'),
    limits: { ...limitsFromConfig(config), ...opts.limits },
    store,
    ...(opts.steering ? { steering: () => opts.steering! } : {}),
  });
  return { outcome, events, runId, root: paths.root, config };
}
