import { basename } from 'node:path';
import type { Config } from '../core/config.ts';
import { isOuroError } from '../core/errors.ts';
import { newRunId } from '../core/ids.ts';
import type { Logger } from '../core/logger.ts';
import { sendControl } from '../core/queue/run-control.ts';
import type { RunQueue } from '../core/queue/run-queue.ts';
import { RunOptionsSchema, RunRequestSchema } from '../core/schemas/run-request.ts';
import type { Redis } from 'ioredis';
import { chooseUpload, fmtBytes, TABLE_FORMATS, wrongTypeAdvice, type Attachment } from './intake/choose-upload.ts';
import { parseRunText } from './intake/parse-run-text.ts';
import { textMessage, type ChatMessage } from './render/chat-message.ts';
import type { Outbox } from './render/outbox.ts';
import { renderStatus, renderStatusReply, type PredictCommand } from './render/render-run.ts';
import { initialView } from './render/run-view.ts';
import { renderExplanation } from './render/explain.ts';
import type { RunThread, RunThreadStore } from './run-thread-store.ts';
import type { RunThreads } from './run-threads.ts';
import { answerReply, answerTargetQuestion, parseTargetAnswer, unknownColumnReply } from './target-answer.ts';
import { parseThreadCommand, THREAD_HELP } from './thread-command.ts';
import { isFollowUpQuestion, startFollowUp } from './follow-up.ts';

/**
 * One inbound path for every platform: a mention that may start a run, and a message in a
 * run's thread, take the same steps in the same order whatever the platform. An adapter
 * (bot/slack, bot/discord) only turns its events into these calls and supplies what differs:
 * where an early reply goes, how the run's thread is opened, how a file is fetched. A third
 * platform needs an adapter, not a copy of these steps.
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
  /** The run's thread; null when it could not be opened (the adapter has said why). */
  openThread(goal: string): Promise<{ channel: string; thread: string; space?: string } | null>;
}

/** A name safe for a store key, keeping what the person called the file. */
export function safeFilename(name: string): string {
  const clean = basename(name).replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '');
  return clean.length > 0 ? clean.slice(0, 120) : 'upload.csv';
}

const EXAMPLE = 'e.g. `@ouro predict churn` with `customers.csv` attached. Options: `budget 5m`, `max 10 experiments`, `metric mae`, `target <column>`.';

/** Intake, the goal, the thread, the status message, the download, the queue: a run, or a reply saying why not. */
export async function startRunFromMention(deps: InboundDeps, m: Mention): Promise<void> {
  const limit = deps.config.OURO_MAX_UPLOAD_MB * 1024 * 1024;
  const choice = chooseUpload(m.files, m.text, limit);
  switch (choice.kind) {
    case 'none':
      return m.reply(textMessage(`👋 Send me a CSV or TSV file (or Excel .xlsx, Parquet, JSON, or one in a .gz/.zip) and say what to predict in the same message, ${EXAMPLE}\nAlready have a model? \`${deps.predictCommand.command}\` lists them.`));
    case 'wrong_type':
      return m.reply(textMessage(`I read tables (${TABLE_FORMATS}). ${choice.files.map(wrongTypeAdvice).join(' ')}`));
    case 'ambiguous':
      return m.reply(textMessage(`I see ${choice.files.length} data files: ${choice.files.map((f) => `\`${f.name}\``).join(', ')}. Which one should I use? Mention me again and name it (e.g. \`@ouro predict churn from ${choice.files[0]!.name}\`), or attach only that file.`));
    case 'too_large':
      return m.reply(textMessage(`\`${choice.file.name}\` is ${fmtBytes(choice.file.size)}; I take files up to ${fmtBytes(choice.limitBytes)} (OURO_MAX_UPLOAD_MB). Send a sample of the rows (the first 500k lines are usually plenty), or ask an admin to raise the limit.`));
    case 'ok':
      break;
  }
  const parsed = parseRunText(m.text);
  if (parsed.goal.length === 0) return m.reply(textMessage(`What should I predict from \`${choice.file.name}\`? Say it in the message with the file, ${EXAMPLE}`));
  if (parsed.problems.length > 0) return m.reply(textMessage(`I could not read some options: ${parsed.problems.join('; ')}. Nothing started; mention me again with the file.`));

  const runId = newRunId();
  const filename = safeFilename(choice.file.name);
  const key = `uploads/${runId}/${filename}`;
  const download = m.download(choice.file, key, filename);
  download.catch(() => undefined);
  const where = await m.openThread(parsed.goal);
  if (where === null) return;
  const options = RunOptionsSchema.parse(parsed.options);
  const request = RunRequestSchema.parse({
    runId,
    dataset: { ref: key, filename },
    goal: parsed.goal.slice(0, 2000),
    options,
    origin: { platform: m.platform, ...(m.team ? { team: m.team } : {}), channel: where.channel, ...(where.space ? { space: where.space } : {}), thread: where.thread, user: m.user },
    idempotencyKey: m.idempotencyKey,
  });
  const view = initialView({ runId, goal: request.goal, file: filename, budgetSeconds: options.budgetSeconds, maxExperiments: options.maxExperiments });
  // The first reply goes out before the download finishes: the goal as understood, within seconds.
  const statusMessage = await deps.outbox.post(where.channel, where.thread, renderStatus(view, Date.now(), `📥 Fetching \`${filename}\` (${fmtBytes(choice.file.size)})…`));
  const thread: RunThread = { runId, platform: m.platform, ...(m.team ? { workspace: m.team } : {}), channel: where.channel, thread: where.thread, statusMessage, user: m.user, goal: request.goal, file: filename, budgetSeconds: options.budgetSeconds, maxExperiments: options.maxExperiments, lastEventId: '0', rendered: 0, keySent: false, keyHeld: false, done: false, request };
  try {
    await download;
  } catch (err) {
    const message = isOuroError(err) ? err.message : `I could not fetch the file (${(err as Error).message}).`;
    if (!isOuroError(err)) deps.logger.error({ err: (err as Error).stack, platform: m.platform }, 'bot: download failed');
    deps.outbox.update(where.channel, statusMessage, renderStatus(view, Date.now(), `❌ ${message} Nothing started.`));
    return;
  }
  await deps.store.save(thread);
  const enqueued = await deps.queue.enqueue(request);
  if (enqueued.duplicate) {
    // Another bot replica took the same event first; its thread tells the story.
    await deps.store.update(runId, { done: true });
    deps.outbox.update(where.channel, statusMessage, renderStatus(view, Date.now(), `This request already started as run \`${enqueued.runId}\`.`));
    return;
  }
  deps.outbox.update(where.channel, statusMessage, renderStatus(view, Date.now()));
  deps.threads.follow(thread);
}

/**
 * A message in a run's thread: the answer to the run's open question, or `stop`, `status`,
 * `help`, steering. `addressed`: the bot was mentioned (an unknown text then gets the help).
 */
export async function handleThreadCommand(deps: InboundDeps, c: { runId: string; user: string; text: string; addressed: boolean; mention: (user: string) => string }): Promise<void> {
  const thread = await deps.store.get(c.runId);
  if (thread === null) return;
  const reply = (message: ChatMessage) => deps.outbox.post(thread.channel, thread.thread, message).then(() => undefined);
  // A question after the run ended gets a report from the same data (docs/architecture.md, "Analysis reports").
  if (thread.done && thread.request !== undefined && isFollowUpQuestion(c.text, c.addressed)) return startFollowUp(deps, thread, c.text, c.user);
  const command = parseThreadCommand(c.text, { addressed: c.addressed, budgetSeconds: thread.budgetSeconds });
  const finished = 'This run has finished; mention me with a file to start a new one.';
  // While the run's question is open (which column to predict), a reply naming a column answers it.
  const view = thread.done || command.kind === 'status' ? null : await deps.threads.view(thread);
  if (view?.question && view.state === 'asking') {
    const column = parseTargetAnswer(c.text, view.question);
    if (column === null) return command.kind !== 'none' || c.addressed ? reply(unknownColumnReply(view.question)) : undefined;
    return answerQuestion(deps, thread, view.question, column, c.user);
  }
  switch (command.kind) {
    case 'none':
      return;
    case 'help':
      return reply(textMessage(THREAD_HELP));
    case 'status':
      return reply(renderStatusReply(await deps.threads.view(thread), Date.now()));
    case 'explain':
      return reply(renderExplanation((await deps.threads.view(thread)).card, c.mention(c.user)));
    case 'stop':
      if (thread.done) return reply(textMessage(finished));
      await sendControl(deps.redis, c.runId, { type: 'stop', by: c.user });
      return reply(textMessage(`⏹ Stopping, as ${c.mention(c.user)} asked: the running experiment is stopped, and the best model so far is validated and posted here.`));
    case 'steer':
      if (thread.done) return reply(textMessage(finished));
      await sendControl(deps.redis, c.runId, { type: 'steer', text: command.text, by: c.user });
      return reply(textMessage(`🧭 Passed to the run: “${command.text}”. It takes effect at the next decision; the change will show up here.`));
  }
}

type Question = NonNullable<Awaited<ReturnType<RunThreads['view']>>['question']>;

/** A column chosen for the run's open question (a reply, or a Slack button): the run starts again with it. */
export async function answerQuestion(deps: InboundDeps, thread: RunThread, question: Question, column: string, user: string): Promise<void> {
  const waitMs = deps.config.OURO_QUESTION_WAIT_S * 1000;
  const result = await answerTargetQuestion({ store: deps.store, queue: deps.queue, threads: deps.threads, waitMs }, thread, question, column);
  const message = answerReply(result, column, user, waitMs);
  if (message !== null) await deps.outbox.post(thread.channel, thread.thread, message);
}
