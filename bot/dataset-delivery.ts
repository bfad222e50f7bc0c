import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../core/logger.ts';
import type { RunEvent } from '../core/schemas/events.ts';
import type { ArtifactStore } from '../core/store/artifact-store.ts';
import { pathExists } from '../core/store/path-exists.ts';
import { readUntrusted, UNTRUSTED_CAPS } from '../core/untrusted-files.ts';
import { textMessage } from './render/chat-message.ts';
import type { Outbox } from './render/outbox.ts';
import { renderDataCardMessage } from './render/render-data-card.ts';

type Published = Extract<RunEvent, { type: 'dataset.published' }>;

export interface DatasetDelivery {
  outbox: Outbox;
  logger: Logger;
  home: string;
  artifacts?: ArtifactStore;
  /** Largest file uploaded into the thread (OURO_SYNTH_UPLOAD_MB, within the platform's own limit). */
  maxUploadBytes: number;
  mention: (user: string) => string;
}

/**
 * A run folder's file, from this host's OURO_HOME or else from the artifact store (a worker on
 * another host checkpoints its run folder there). Read through the trust boundary although the
 * host wrote `dataset/`: a link there is refused, never followed.
 */
async function readRunFile(
  d: DatasetDelivery,
  runId: string,
  name: string,
  maxBytes: number,
): Promise<Buffer | null> {
  const dir = join(d.home, 'runs', runId, 'dataset');
  if (await pathExists(join(dir, name))) return readUntrusted(join(dir, name), { root: dir, maxBytes });
  if (d.artifacts === undefined) return null;
  const tmp = await mkdtemp(join(tmpdir(), 'ouro-dataset-'));
  try {
    await d.artifacts.getFile(`runs/${runId}/dataset/${name}`, join(tmp, name));
    return await readUntrusted(join(tmp, name), { root: tmp, maxBytes });
  } catch {
    return null;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * A synthesis run's end in its thread (docs/architecture.md, "Synthetic data"): the file itself
 * when it fits the upload limit, else its download link (same auth as model pages) or where it
 * is; the data card; the real-vs-synthetic chart; and a ping to the person who asked.
 */
export async function deliverDataset(
  d: DatasetDelivery,
  t: { channel: string; thread: string; user: string; file: string },
  e: Published,
): Promise<void> {
  let where: string;
  const uploaded =
    e.bytes <= d.maxUploadBytes
      ? await readRunFile(d, e.runId, e.filename, d.maxUploadBytes).catch(() => null)
      : null;
  if (uploaded !== null) {
    await d.outbox.upload(t.channel, t.thread, {
      filename: e.filename,
      title: `Synthetic data: ${e.filename}`,
      data: uploaded,
    });
    where = `The file is attached: \`${e.filename}\` (${(e.bytes / 1024).toFixed(0)} KB, ${e.card.rows} rows), with \`generate.py\` and the card in the run folder.`;
  } else if (e.url !== null) {
    where = `\`${e.filename}\` is ${(e.bytes / 1024 / 1024).toFixed(1)} MB, over the ${(d.maxUploadBytes / 1024 / 1024).toFixed(0)} MB upload limit: [download it](${e.url}) (sign in as for model pages).`;
  } else {
    where = `\`${e.filename}\` is ${(e.bytes / 1024 / 1024).toFixed(1)} MB, over the ${(d.maxUploadBytes / 1024 / 1024).toFixed(0)} MB upload limit; it is on the ouro host at \`${e.path}\`.`;
  }
  await d.outbox.post(t.channel, t.thread, renderDataCardMessage(e.card, where));
  if (e.card.files.chart !== null) {
    const chart = await readRunFile(d, e.runId, e.card.files.chart, UNTRUSTED_CAPS.image).catch(() => null);
    if (chart !== null)
      await d.outbox
        .upload(t.channel, t.thread, {
          filename: e.card.files.chart,
          title: 'Real vs synthetic',
          data: chart,
        })
        .catch((err: unknown) => d.logger.warn({ err: (err as Error).message }, 'bot: chart upload failed'));
  }
  await d.outbox.post(
    t.channel,
    t.thread,
    textMessage(
      `🔔 ${d.mention(t.user)}, your synthetic data from \`${t.file}\` is ready (the card is above).`,
    ),
  );
}
