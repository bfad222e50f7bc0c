import { basename } from 'node:path';
import type { Config } from '../core/config.ts';
import { newRunId } from '../core/ids.ts';
import type { Logger } from '../core/logger.ts';
import type { RunQueue } from '../core/queue/run-queue.ts';
import { RunOptionsSchema } from '../core/schemas/run-request.ts';
import { BUSY_TEXT, followUpOf, followUpOptions } from './follow-up.ts';
import type { Redis } from 'ioredis';
import {
  chooseUpload,
  fmtBytes,
  TABLE_FORMATS,
  wrongTypeAdvice,
  type Attachment,
} from './intake/choose-upload.ts';
import { parseRunText } from './intake/parse-run-text.ts';
import { textMessage, type ChatMessage } from './render/chat-message.ts';
import type { Outbox } from './render/outbox.ts';
import type { PredictCommand } from './render/render-card.ts';
import type { RunThread, RunThreadStore } from './run-thread-store.ts';
import type { RunThreads } from './run-threads.ts';
import { parseThreadCommand } from './thread-command.ts';
import { launchRun } from './launch-run.ts';

/**
 * One inbound path for every platform: a mention that may start a run, and a message in a
 * run's thread, take the same steps in the same order whatever the platform. An adapter
 * (bot/slack, bot/discord) only turns its events into these calls and supplies what differs:
 * where an early reply goes, how the run's thread is opened, how a file is fetched. A third
 * platform needs an adapter, not a copy of these steps. A message in a run's thread is handled in
 * thread-message.ts; both start runs through launch-run.ts.
 */
export interface InboundDeps {
  config: Config;
  logger: Logger;
  redis: Redis;
  queue: RunQueue;
  store: RunThreadStore;
  outbox: Outbox;
  threads: RunThreads;
  predictCommand: PredictCommand;
}

/** A mention, as the adapter saw it. */
export interface Mention {
  platform: RunThread['platform'];
  /** Workspace (Slack) or server (Discord). */
  team?: string | undefined;
  /** Where the person wrote. */
  channel: string;
  user: string;
  /** The text without the mention itself. */
  text: string;
  files: Attachment[];
  /** One run per platform event, even across bot replicas. */
  idempotencyKey: string;
  /** A reply before the run has a thread (Slack: the message's thread; Discord: the channel). */
  reply(message: ChatMessage): Promise<void>;
  /** Starts fetching a file into the store at `key` (called before the thread opens: Discord's links expire). */
  download(file: Attachment, key: string, filename: string): Promise<unknown>;
  /** The run whose thread the mention is in: a file there is a follow-up (bot/follow-up.ts). */
  priorRun?: string | null;
  /** The run's thread; null when it could not be opened (the adapter has said why). */
  openThread(goal: string): Promise<{ channel: string; thread: string; space?: string } | null>;
}

/** A name safe for a store key, keeping what the person called the file. */
export function safeFilename(name: string): string {
  const clean = basename(name)
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '');
  return clean.length > 0 ? clean.slice(0, 120) : 'upload.csv';
}

const EXAMPLE =
  'e.g. `@ouro predict churn` with `customers.csv` attached. Options: `budget 5m`, `max 10 experiments`, `metric mae`, `target <column>`.';

/** Intake, the goal, the thread, the status message, the download, the queue: a run, or a reply saying why not. */
export async function startRunFromMention(deps: InboundDeps, m: Mention): Promise<void> {
  const limit = deps.config.OURO_MAX_UPLOAD_MB * 1024 * 1024;
  const choice = chooseUpload(m.files, m.text, limit);
  switch (choice.kind) {
    case 'none':
      return m.reply(
        textMessage(
          `👋 Send me a CSV or TSV file (or Excel .xlsx, Parquet, JSON, or one in a .gz/.zip) and say what to predict in the same message, ${EXAMPLE}\nAlready have a model? \`${deps.predictCommand.command}\` lists them.`,
        ),
      );
    case 'wrong_type':
      return m.reply(
        textMessage(`I read tables (${TABLE_FORMATS}). ${choice.files.map(wrongTypeAdvice).join(' ')}`),
      );
    case 'ambiguous':
      return m.reply(
        textMessage(
          `I see ${choice.files.length} data files: ${choice.files.map((f) => `\`${f.name}\``).join(', ')}. Which one should I use? Mention me again and name it (e.g. \`@ouro predict churn from ${choice.files[0]!.name}\`), or attach only that file.`,
        ),
      );
    case 'too_large':
      return m.reply(
        textMessage(
          `\`${choice.file.name}\` is ${fmtBytes(choice.file.size)}; I take files up to ${fmtBytes(choice.limitBytes)} (OURO_MAX_UPLOAD_MB). Send a sample of the rows (the first 500k lines are usually plenty), or ask an admin to raise the limit.`,
        ),
      );
    case 'ok':
      break;
  }
  const parsed = parseRunText(m.text);
  // A file in an earlier run's thread is a follow-up: the same goal on the new data (bot/follow-up.ts).
  const prior = m.priorRun ? await deps.store.get(m.priorRun) : null;
  const followUp = prior === null ? null : await followUpOf(deps.threads, prior);
  if (followUp?.kind === 'busy') return m.reply(textMessage(BUSY_TEXT));
  // "retrain with 10 minutes" with the new file: the earlier goal, with that budget.
  const asked = followUp === null ? null : parseThreadCommand(m.text, { addressed: true, budgetSeconds: 0 });
  const retrainBudget = asked?.kind === 'retrain' ? asked.budgetSeconds : undefined;
  const goal =
    followUp !== null &&
    (followUp.kind === 'challenge' || asked?.kind === 'retrain' || parsed.goal.length === 0)
      ? followUp.goal
      : parsed.goal;
  if (goal.length === 0)
    return m.reply(
      textMessage(
        `What should I predict from \`${choice.file.name}\`? Say it in the message with the file, ${EXAMPLE}`,
      ),
    );
  if (parsed.problems.length > 0)
    return m.reply(
      textMessage(
        `I could not read some options: ${parsed.problems.join('; ')}. Nothing started; mention me again with the file.`,
      ),
    );

  const runId = newRunId();
  const filename = safeFilename(choice.file.name);
  const key = `uploads/${runId}/${filename}`;
  const download = m.download(choice.file, key, filename);
  download.catch(() => undefined);
  const where = await m.openThread(goal);
  if (where === null) return;
  const options =
    followUp === null
      ? RunOptionsSchema.parse(parsed.options)
      : followUpOptions(followUp, parsed.options, retrainBudget);
  await launchRun(deps, {
    runId,
    platform: m.platform,
    team: m.team,
    where,
    user: m.user,
    goal,
    options,
    dataset: { ref: key, filename },
    idempotencyKey: m.idempotencyKey,
    fetching: { download, size: choice.file.size },
  });
}
