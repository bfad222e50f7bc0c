import { join } from 'node:path';
import { readUntrusted, UNTRUSTED_CAPS } from '../core/untrusted-files.ts';
import type { RunEvent } from '../core/schemas/events.ts';
import { textMessage } from './render/chat-message.ts';
import { renderMetricsCard } from './render/render-card.ts';
import { renderThreadReply } from './render/render-run.ts';
import type { RunView } from './render/run-view.ts';
import { deliverDataset } from './dataset-delivery.ts';
import type { RunThread } from './run-thread-store.ts';
import type { RunThreadsOptions } from './run-threads.ts';

/**
 * What one run event puts in its thread: the reply, and at the end the card, the chart, the
 * report's charts or the dataset, and the ping to the person who asked.
 */

export async function tellEvent(
  opts: RunThreadsOptions,
  thread: RunThread,
  event: RunEvent,
  view: RunView,
): Promise<void> {
  const { outbox } = opts;
  const reply = renderThreadReply(event, view);
  if (reply !== null) await outbox.post(thread.channel, thread.thread, reply);
  // Long jobs end while people are elsewhere: the person who asked is pinged at the end.
  if (event.type === 'failed')
    await outbox.post(
      thread.channel,
      thread.thread,
      textMessage(`🔔 ${opts.mention(thread.user)}, your run on \`${thread.file}\` failed (above).`),
    );
  if (event.type === 'report.published') return tellReport(opts, thread, event);
  if (event.type === 'dataset.published') {
    const { home, artifacts, logger, mention } = opts;
    return deliverDataset(
      {
        outbox,
        logger,
        home,
        ...(artifacts ? { artifacts } : {}),
        mention,
        maxUploadBytes: opts.datasetUploadBytes ?? 8 * 1024 * 1024,
      },
      thread,
      event,
    );
  }
  if (event.type !== 'finished') return;
  const card = event.card;
  const example =
    view.deployed !== null && opts.example ? await opts.example(card.name).catch(() => null) : null;
  await outbox.post(
    thread.channel,
    thread.thread,
    renderMetricsCard(card, {
      url: view.deployed?.url ?? null,
      key: thread.keySent
        ? 'sent'
        : thread.keyHeld
          ? 'held'
          : view.deployed !== null
            ? 'existing'
            : 'unknown',
      requester: opts.mention(thread.user),
      example,
      predictCommand: opts.predictCommand,
    }),
  );
  if (opts.chart) {
    const chart = await opts.chart(card).catch((err: unknown) => {
      opts.logger.warn({ err: (err as Error).message, runId: thread.runId }, 'bot: no chart');
      return null;
    });
    if (chart !== null)
      await outbox
        .upload(thread.channel, thread.thread, chart)
        .catch((err: unknown) =>
          opts.logger.warn({ err: (err as Error).message }, 'bot: chart upload failed'),
        );
  }
  const lost = view.challenge !== null && !view.challenge.promoted;
  const ready = lost
    ? `the champion **${card.name}** v${view.challenge!.championVersion} stays deployed (the challenger is saved as v${card.version})`
    : view.deployed !== null
      ? `**${card.name}** v${card.version} is deployed`
      : `**${card.name}** v${card.version} is saved`;
  await outbox.post(
    thread.channel,
    thread.thread,
    textMessage(
      `🔔 ${opts.mention(thread.user)}, your run on \`${thread.file}\` finished: ${ready} (the card is above).`,
    ),
  );
}

/** An analysis run's end: one to three of its charts under the answer, then the ping. */
async function tellReport(
  opts: RunThreadsOptions,
  thread: RunThread,
  event: Extract<RunEvent, { type: 'report.published' }>,
): Promise<void> {
  const root = join(opts.home, 'reports', event.report);
  for (const chart of event.charts.slice(0, 3)) {
    // Written in a sandbox before the host copied it: read like sandbox output. A bot on another host has no copy.
    const data = await readUntrusted(join(root, chart.path), {
      root,
      maxBytes: UNTRUSTED_CAPS.image,
    }).catch(() => null);
    if (data !== null)
      await opts.outbox
        .upload(thread.channel, thread.thread, {
          filename: chart.path.split('/').pop()!,
          title: chart.title,
          data,
        })
        .catch((err: unknown) =>
          opts.logger.warn({ err: (err as Error).message }, 'bot: chart upload failed'),
        );
  }
  await opts.outbox.post(
    thread.channel,
    thread.thread,
    textMessage(
      `🔔 ${opts.mention(thread.user)}, your question about \`${thread.file}\` is answered (above)${event.url ? `; the full report: ${event.url}` : ''}. Ask another question here and I will answer it from the same data.`,
    ),
  );
}
