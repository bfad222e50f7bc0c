import { isOuroError } from '../core/errors.ts';
import { RunRequestSchema, type RunOptions } from '../core/schemas/run-request.ts';
import { fmtBytes } from './intake/choose-upload.ts';
import { textMessage } from './render/chat-message.ts';
import { renderStatus } from './render/render-status.ts';
import { initialView } from './render/run-view.ts';
import type { InboundDeps } from './inbound.ts';
import type { RunThread } from './run-thread-store.ts';

/** A run about to start in a thread: a new upload's, a follow-up's, or a retrain's. */
export interface Launch {
  runId: string;
  platform: RunThread['platform'];
  team: string | undefined;
  where: { channel: string; thread: string; space?: string };
  user: string;
  goal: string;
  options: RunOptions;
  dataset: { ref: string; filename: string };
  idempotencyKey?: string;
  /** The upload still arriving (a new file); absent when the run reuses a file already stored. */
  fetching?: { download: Promise<unknown>; size: number };
}

/** The status message, the wait for the file, the thread's record, the queue. */
export async function launchRun(deps: InboundDeps, l: Launch): Promise<void> {
  const { runId, where, options } = l;
  const request = RunRequestSchema.parse({
    runId,
    dataset: l.dataset,
    goal: l.goal.slice(0, 2000),
    options,
    origin: {
      platform: l.platform,
      ...(l.team ? { team: l.team } : {}),
      channel: where.channel,
      ...(where.space ? { space: where.space } : {}),
      thread: where.thread,
      user: l.user,
    },
    ...(l.idempotencyKey !== undefined ? { idempotencyKey: l.idempotencyKey } : {}),
  });
  const filename = l.dataset.filename;
  const view = initialView({
    runId,
    goal: request.goal,
    file: filename,
    budgetSeconds: options.budgetSeconds,
    maxExperiments: options.maxExperiments,
  });
  // The first reply goes out before the download finishes: the goal as understood, within seconds.
  const phase = l.fetching ? `📥 Fetching \`${filename}\` (${fmtBytes(l.fetching.size)})…` : undefined;
  const statusMessage = await deps.outbox.post(
    where.channel,
    where.thread,
    renderStatus(view, Date.now(), phase),
  );
  const thread: RunThread = {
    runId,
    platform: l.platform,
    ...(l.team ? { workspace: l.team } : {}),
    channel: where.channel,
    thread: where.thread,
    statusMessage,
    user: l.user,
    goal: request.goal,
    file: filename,
    budgetSeconds: options.budgetSeconds,
    maxExperiments: options.maxExperiments,
    lastEventId: '0',
    rendered: 0,
    keySent: false,
    keyHeld: false,
    done: false,
    request,
  };
  try {
    await l.fetching?.download;
  } catch (err) {
    const message = isOuroError(err)
      ? err.message
      : `I could not fetch the file (${(err as Error).message}).`;
    if (!isOuroError(err))
      deps.logger.error({ err: (err as Error).stack, platform: l.platform }, 'bot: download failed');
    deps.outbox.update(
      where.channel,
      statusMessage,
      renderStatus(view, Date.now(), `❌ ${message} Nothing started.`),
    );
    return;
  }
  await deps.store.save(thread);
  const enqueued = await deps.queue.enqueue(request);
  if (enqueued.duplicate) {
    // Another bot replica took the same event first; its thread tells the story.
    await deps.store.update(runId, { done: true });
    deps.outbox.update(
      where.channel,
      statusMessage,
      renderStatus(view, Date.now(), `This request already started as run \`${enqueued.runId}\`.`),
    );
    return;
  }
  deps.outbox.update(where.channel, statusMessage, renderStatus(view, Date.now()));
  if (options.champion !== undefined) {
    await deps.outbox.post(
      where.channel,
      where.thread,
      textMessage(
        `🥊 A challenger for **${options.champion}**: the same goal on \`${filename}\`. When it is trained, both are scored on this file's held-out rows; it replaces **${options.champion}** only if it scores better, and the current version is kept either way.`,
      ),
    );
  }
  deps.threads.follow(thread);
}
