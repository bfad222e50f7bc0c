import type { Config } from '../../core/config.ts';
import { OuroError } from '../../core/errors.ts';
import type { EventSink } from '../../core/events/event-log.ts';
import type { Analyst } from './analyst.ts';
import { HeuristicAnalyst } from './heuristic-analyst.ts';
import { LlmAnalyst } from './llm-analyst.ts';

/** The analyst for one analysis run, chosen like the brain (`--brain`, default by configuration). */
export function createAnalyst(
  kind: 'heuristic' | 'llm',
  deps: { config: Config; events: EventSink },
): Analyst {
  if (kind === 'heuristic') return new HeuristicAnalyst();
  if (deps.config.OPENAI_API_KEY === undefined && deps.config.OPENAI_BASE_URL === undefined) {
    throw new OuroError(
      'config_invalid',
      'The llm analyst needs OPENAI_API_KEY, or OPENAI_BASE_URL for a local OpenAI-compatible server (see docs/llm.md). Or run with --brain heuristic.',
    );
  }
  return LlmAnalyst.fromConfig(deps.config, deps.events);
}
