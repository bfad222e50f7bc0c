import type { z } from 'zod';
import type { Config } from '../../core/config.ts';
import { OuroError } from '../../core/errors.ts';
import type { EventSink } from '../../core/events/event-log.ts';
import type { RunPaths } from '../../core/run-paths.ts';
import type { BrainKindSchema } from '../../core/schemas/run-request.ts';
import type { Brain } from './brain.ts';
import { HeuristicBrain } from './heuristic/heuristic-brain.ts';
import { FallbackBrain } from './llm/fallback-brain.ts';
import { LlmBrain } from './llm/llm-brain.ts';

type BrainKind = z.infer<typeof BrainKindSchema>;

/** The LLM brain when a provider is configured (a key, or a base URL for a local server), else the heuristic one. */
export function defaultBrainKind(config: Config): BrainKind {
  return config.OPENAI_API_KEY !== undefined || config.OPENAI_BASE_URL !== undefined ? 'llm' : 'heuristic';
}

export interface BrainDeps {
  config: Config;
  /** The run's events: the LLM brain reports its spend and its fallbacks there. */
  events: EventSink;
  /** The run's folders (parent scripts and earlier spend are read from them). */
  paths: RunPaths;
}

/** The brain for one run. The LLM brain always has the heuristic one behind it. */
export function createBrain(kind: BrainKind, deps: BrainDeps): Brain {
  if (kind === 'heuristic') return new HeuristicBrain();
  if (deps.config.OPENAI_API_KEY === undefined && deps.config.OPENAI_BASE_URL === undefined) {
    throw new OuroError(
      'config_invalid',
      'The llm brain needs OPENAI_API_KEY, or OPENAI_BASE_URL for a local OpenAI-compatible server (see docs/llm.md). Or run with --brain heuristic.',
    );
  }
  return new FallbackBrain(new LlmBrain(deps), new HeuristicBrain(), deps.events);
}
