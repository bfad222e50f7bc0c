import { newRunId } from '../core/ids.ts';
import type { RunQueue } from '../core/queue/run-queue.ts';
import { RunRequestSchema } from '../core/schemas/run-request.ts';
import { textMessage, type ChatMessage } from './render/chat-message.ts';
import type { RunView } from './render/run-view.ts';
import type { RunThread, RunThreadStore } from './run-thread-store.ts';
import type { RunThreads } from './run-threads.ts';

/**
 * The answer to "which column should I predict?", from a click or a reply in the thread. The
 * run that asked has ended (its last event is the question), so the answer starts a new run
 * with the same file, goal and options plus `target`, told in the same thread and status
 * message. Nothing waits in a worker meanwhile, so a restart of anything loses nothing.
 */

type Question = NonNullable<RunView['question']>;

const norm = (s: string) => s.toLowerCase().replace(/[\s_\-.:/()`*"'“”‘’]+/g, '');

/** The column a reply names: a candidate's number ("2"), or a column's name anywhere in it. */
export function parseTargetAnswer(text: string, q: Pick<Question, 'candidates' | 'columns'>): string | null {
  const clean = text.replace(/<@[^>]+>/g, ' ').trim();
  const number = /^\s*#?(\d{1,2})[.)]?\s*$/.exec(clean);
  if (number !== null) return q.candidates[Number(number[1]) - 1]?.column ?? null;
  const whole = norm(clean);
  const exact = q.columns.find((c) => norm(c) === whole);
  if (exact !== undefined) return exact;
  // "use hwy", "target: Status please": the longest column name among the reply's words.
  const words = clean.split(/[\s,;:!?]+/).map((w) => w.replace(/^[`*"'“”‘’(]+|[`*"'“”‘’).]+$/g, ''));
  const hits = q.columns.filter((c) => words.some((w) => norm(w) === norm(c) && norm(c).length > 0));
  if (hits.length === 0) return null;
  return hits.sort((a, b) => b.length - a.length)[0]!;
}

export type AnswerResult =
  | { kind: 'started'; runId: string; column: string }
  | { kind: 'duplicate' }
  | { kind: 'expired' }
  | { kind: 'cannot_restart' };

export interface AnswerDeps {
  store: RunThreadStore;
  queue: RunQueue;
  threads: RunThreads;
  /** OURO_QUESTION_WAIT_S in ms. */
  waitMs: number;
}

/** Starts the run the question was waiting for, with `column` as its target. */
export async function answerTargetQuestion(
  deps: AnswerDeps,
  thread: RunThread,
  question: Question,
  column: string,
  now = Date.now(),
): Promise<AnswerResult> {
  if (now - question.askedAt > deps.waitMs) return { kind: 'expired' };
  if (thread.request === undefined) return { kind: 'cannot_restart' };
  const runId = newRunId();
  const request = RunRequestSchema.parse({
    ...thread.request,
    runId,
    options: { ...thread.request.options, target: column },
    // Two clicks (or a click and a reply) start one run.
    idempotencyKey: `${thread.platform}:answer:${thread.runId}`,
  });
  const next: RunThread = {
    ...thread,
    runId,
    request,
    lastEventId: '0',
    rendered: 0,
    keySent: false,
    keyHeld: false,
    done: false,
  };
  const enqueued = await deps.queue.enqueue(request);
  if (enqueued.duplicate) return { kind: 'duplicate' };
  // The thread now belongs to the new run; the old one is done (its question is answered).
  await deps.store.save(next);
  await deps.store.update(thread.runId, { done: true });
  deps.threads.follow(next);
  return { kind: 'started', runId, column };
}

export function answerReply(
  result: AnswerResult,
  column: string,
  user: string,
  waitMs: number,
): ChatMessage | null {
  switch (result.kind) {
    case 'started':
      return textMessage(
        `👍 Predicting \`${column}\`, as <@${user}> chose. Starting the run again with \`target ${column}\`.`,
      );
    case 'duplicate':
      return null;
    case 'expired':
      return textMessage(
        `⌛ I waited ${Math.round(waitMs / 60_000)} minutes for an answer and stopped. Mention me with the file again and name the column, e.g. \`target ${column}\`.`,
      );
    case 'cannot_restart':
      return textMessage(
        `I cannot restart this run from here. Mention me with the file again and add \`target ${column}\`.`,
      );
  }
}

export function unknownColumnReply(q: Pick<Question, 'candidates' | 'columns'>): ChatMessage {
  const some = q.candidates.map((c) => `\`${c.column}\``).join(', ');
  return textMessage(
    `I need the name of a column of the file to predict${some ? `, e.g. ${some}` : ''} (or the number of a candidate above).`,
  );
}
