import { basename } from 'node:path';
import type { Config } from '../core/config.ts';
import { isOuroError } from '../core/errors.ts';
import { newRunId } from '../core/ids.ts';
import type { Logger } from '../core/logger.ts';
import { sendControl } from '../core/queue/run-control.ts';
import type { RunQueue } from '../core/queue/run-queue.ts';
import { RunOptionsSchema, RunRequestSchema, type RunOptions } from '../core/schemas/run-request.ts';
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
import { renderStatus, renderStatusReply } from './render/render-status.ts';
import { initialView } from './render/run-view.ts';
import { renderExplanation } from './render/explain.ts';
import type { RunThread, RunThreadStore } from './run-thread-store.ts';
import type { RunThreads } from './run-threads.ts';
import { answerReply, answerTargetQuestion, parseTargetAnswer, unknownColumnReply } from './target-answer.ts';
import { parseThreadCommand, THREAD_HELP } from './thread-command.ts';
import { isFollowUpQuestion, startFollowUp } from './follow-up-question.ts';

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

interface Launch {
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
async function launchRun(deps: InboundDeps, l: Launch): Promise<void> {
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

/** `retrain [with 10 minutes]` in a finished run's thread: the same file again, as a challenger to its model. */
async function retrain(
  deps: InboundDeps,
  thread: RunThread,
  user: string,
  budgetSeconds: number | undefined,
  eventKey: string | undefined,
): Promise<void> {
  const reply = (text: string) =>
    deps.outbox.post(thread.channel, thread.thread, textMessage(text)).then(() => undefined);
  const followUp = await followUpOf(deps.threads, thread);
  if (followUp.kind === 'busy')
    return reply('This run is still going: `more time` or `add 10m` gives it longer.');
  if (thread.request === undefined)
    return reply('I no longer know which file this run used; mention me with the file to train again.');
  const options = followUpOptions(followUp, {}, budgetSeconds);
  await launchRun(deps, {
    runId: newRunId(),
    platform: thread.platform,
    team: thread.workspace,
    where: {
      channel: thread.channel,
      thread: thread.thread,
      ...(thread.request.origin.space ? { space: thread.request.origin.space } : {}),
    },
    user,
    goal: followUp.goal,
    options,
    // The file is in the store already (uploads/<first run>/...): nothing to fetch.
    dataset: thread.request.dataset,
    ...(eventKey !== undefined ? { idempotencyKey: eventKey } : {}),
  });
}

/**
 * A message in a run's thread: the answer to the run's open question, or `stop`, `status`,
 * `help`, steering. `addressed`: the bot was mentioned (an unknown text then gets the help).
 */
export async function handleThreadCommand(
  deps: InboundDeps,
  c: {
    runId: string;
    user: string;
    text: string;
    addressed: boolean;
    mention: (user: string) => string;
    eventKey?: string;
  },
): Promise<void> {
  const thread = await deps.store.get(c.runId);
  if (thread === null) return;
  const reply = (message: ChatMessage) =>
    deps.outbox.post(thread.channel, thread.thread, message).then(() => undefined);
  const command = parseThreadCommand(c.text, { addressed: c.addressed, budgetSeconds: thread.budgetSeconds });
  // A question after the run ended gets a report from the same data (docs/architecture.md, "Analysis reports"); commands stay commands.
  if (
    thread.done &&
    thread.request !== undefined &&
    !['retrain', 'stop', 'status', 'steer'].includes(command.kind) &&
    isFollowUpQuestion(c.text, c.addressed)
  )
    return startFollowUp(deps, thread, c.text, c.user);
  const finished =
    'This run has finished. `retrain with 10 minutes` trains it again; mention me with a new file to train a challenger on it.';
  // While the run's question is open (which column to predict), a reply naming a column answers it.
  const view = thread.done || command.kind === 'status' ? null : await deps.threads.view(thread);
  if (view?.question && view.state === 'asking') {
    const column = parseTargetAnswer(c.text, view.question);
    if (column === null)
      return command.kind !== 'none' || c.addressed ? reply(unknownColumnReply(view.question)) : undefined;
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
      return reply(
        textMessage(
          `⏹ Stopping, as ${c.mention(c.user)} asked: the running experiment is stopped, and the best model so far is validated and posted here.`,
        ),
      );
    case 'retrain':
      return retrain(deps, thread, c.user, command.budgetSeconds, c.eventKey);
    case 'steer':
      if (thread.done) return reply(textMessage(finished));
      // The control channel takes a sentence, not an essay (core/queue/run-control.ts): say so rather than drop it.
      if (command.text.length > MAX_STEER)
        return reply(
          textMessage(
            `That is ${command.text.length} characters; I pass at most ${MAX_STEER} to the run. Say it in a sentence, e.g. \`try random forest\` or \`exclude zip_code\`.`,
          ),
        );
      await sendControl(deps.redis, c.runId, { type: 'steer', text: command.text, by: c.user });
      return reply(
        textMessage(
          `🧭 Passed to the run: “${command.text}”. It takes effect at the next decision; the change will show up here.`,
        ),
      );
  }
}

/** The longest steering text the run's control channel takes. */
const MAX_STEER = 2000;

type Question = NonNullable<Awaited<ReturnType<RunThreads['view']>>['question']>;

/** A column chosen for the run's open question (a reply, or a Slack button): the run starts again with it. */
export async function answerQuestion(
  deps: InboundDeps,
  thread: RunThread,
  question: Question,
  column: string,
  user: string,
): Promise<void> {
  const waitMs = deps.config.OURO_QUESTION_WAIT_S * 1000;
  const result = await answerTargetQuestion(
    { store: deps.store, queue: deps.queue, threads: deps.threads, waitMs },
    thread,
    question,
    column,
  );
  const message = answerReply(result, column, user, waitMs);
  if (message !== null) await deps.outbox.post(thread.channel, thread.thread, message);
}
