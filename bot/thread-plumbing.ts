import type { Redis } from 'ioredis';
import type { Config } from '../core/config.ts';
import type { Logger } from '../core/logger.ts';
import type { RunQueue } from '../core/queue/run-queue.ts';
import type { ModelCard } from '../core/schemas/model-card.ts';
import type { ArtifactStore } from '../core/store/artifact-store.ts';
import type { PredictionClient } from './predict/prediction-client.ts';
import type { ChatPort } from './chat-port.ts';
import type { ChatFile } from './render/chat-message.ts';
import { Outbox } from './render/outbox.ts';
import type { PredictCommand } from './render/render-card.ts';
import { RunThreadStore } from './run-thread-store.ts';
import { RunThreads } from './run-threads.ts';
import { HeldKeys } from './held-keys.ts';
import type { InboundDeps } from './inbound.ts';

/** What every chat adapter is built from, besides its platform's own settings. */
export interface BotDeps {
  config: Config;
  logger: Logger;
  redis: Redis;
  queue: RunQueue;
  store: ArtifactStore;
  predictions: PredictionClient;
  /** A chart for a finished model (feature importance), or null. */
  chart?: (card: ModelCard) => Promise<ChatFile | null>;
  /** Outbox pacing and status refresh (tests make them short). */
  pacing?: { postGapMs?: number; updateGapMs?: number; tickMs?: number; updatesPerMinute?: number };
}

export interface ThreadPlumbing {
  store: RunThreadStore;
  heldKeys: HeldKeys;
  outbox: Outbox;
  threads: RunThreads;
}

/**
 * The pieces that tell runs in threads, wired the same way for every platform: the thread
 * store on Redis, one paced outbox over the platform's chat port, and RunThreads on top.
 */
export function createThreadPlumbing(
  deps: BotDeps,
  platform: { chat: ChatPort; predictCommand: PredictCommand; updatesPerMinute?: number },
): ThreadPlumbing {
  const pacing = deps.pacing ?? {};
  const store = new RunThreadStore(deps.redis);
  const outbox = new Outbox({
    chat: platform.chat,
    logger: deps.logger,
    ...(pacing.postGapMs !== undefined ? { postGapMs: pacing.postGapMs } : {}),
    ...(pacing.updateGapMs !== undefined ? { updateGapMs: pacing.updateGapMs } : {}),
    ...((pacing.updatesPerMinute ?? platform.updatesPerMinute) !== undefined
      ? { updatesPerMinute: pacing.updatesPerMinute ?? platform.updatesPerMinute }
      : {}),
  });
  const heldKeys = new HeldKeys(deps.redis);
  const threads = new RunThreads({
    heldKeys,
    redis: deps.redis,
    store,
    outbox,
    logger: deps.logger,
    home: deps.config.OURO_HOME,
    artifacts: deps.store,
    // Slack and Discord both mention a user as <@id>.
    mention: (u) => `<@${u}>`,
    predictCommand: platform.predictCommand,
    ...(deps.chart ? { chart: deps.chart } : {}),
    example: async (name) => (await deps.predictions.describe(name, { loadingWaitMs: 30_000 })).example,
    ...(pacing.tickMs !== undefined ? { tickMs: pacing.tickMs } : {}),
    questionWaitMs: deps.config.OURO_QUESTION_WAIT_S * 1000,
    datasetUploadBytes: deps.config.OURO_SYNTH_UPLOAD_MB * 1024 * 1024,
  });
  return { store, heldKeys, outbox, threads };
}

/** What the inbound path (bot/inbound.ts) needs, assembled the same way for every platform. */
export function inboundDepsOf(
  deps: BotDeps,
  plumbing: Pick<ThreadPlumbing, 'store' | 'outbox' | 'threads'>,
  predictCommand: PredictCommand,
): InboundDeps {
  return {
    config: deps.config,
    logger: deps.logger,
    redis: deps.redis,
    queue: deps.queue,
    store: plumbing.store,
    outbox: plumbing.outbox,
    threads: plumbing.threads,
    predictCommand,
  };
}
