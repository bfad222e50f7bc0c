import { newRunId } from '../core/ids.ts';
import { sendControl } from '../core/queue/run-control.ts';
import { followUpOf, followUpOptions } from './follow-up.ts';
import { textMessage, type ChatMessage } from './render/chat-message.ts';
import { renderStatusReply } from './render/render-status.ts';
import { renderExplanation } from './render/explain.ts';
import type { InboundDeps } from './inbound.ts';
import { launchRun } from './launch-run.ts';
import type { RunThread } from './run-thread-store.ts';
import type { RunThreads } from './run-threads.ts';
import { answerReply, answerTargetQuestion, parseTargetAnswer, unknownColumnReply } from './target-answer.ts';
import { parseThreadCommand, THREAD_HELP } from './thread-command.ts';
import { isFollowUpQuestion, startFollowUp } from './follow-up-question.ts';

/**
 * The thread half of the inbound path (bot/inbound.ts): a message in a run's thread, whatever the
 * platform.
 */

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
 * A message in a run's thread as an adapter saw it: Slack and Discord both mention a user as
 * <@id>, and both key the event for idempotency when they have one.
 */
export function threadCommandFrom(
  deps: InboundDeps,
  runId: string,
  user: string,
  text: string,
  addressed: boolean,
  eventKey: string | undefined,
): Promise<void> {
  return handleThreadCommand(deps, {
    runId,
    user,
    text,
    addressed,
    mention: (u) => `<@${u}>`,
    ...(eventKey !== undefined ? { eventKey } : {}),
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
