import { createHash } from 'node:crypto';
import { newRunId } from '../core/ids.ts';
import { RunRequestSchema } from '../core/schemas/run-request.ts';
import { textMessage } from './render/chat-message.ts';
import { renderStatus } from './render/render-status.ts';
import { initialView } from './render/run-view.ts';
import type { InboundDeps } from './inbound.ts';
import type { RunThread } from './run-thread-store.ts';

const NOT_A_QUESTION =
  /^(stop|cancel|status|progress|help|why|explain|thanks?|thank you|ok|okay|cool|nice|great)\W*$|^(what can you do|who are you|how do i use|how does (this|ouro) work|what is ouro)\b/;
const QUESTION_START =
  /^(what|which|who|how|is|are|does|do|did|was|were|can|could|should|where|when|why \w|compare|show|analy[sz]e|look|break\s?down|tell me|summari[sz]e|explore|plot|any)\b/;

/**
 * A question asked in the thread of a finished run ("what drives churn?", "churn rate by
 * contract?"): it gets an analysis report from the same data, without uploading the file again
 * (the request still points at the upload in the store). Chatter and the thread commands are not.
 */
export function isFollowUpQuestion(text: string, addressed: boolean): boolean {
  const lower = text.replace(/\s+/g, ' ').trim().toLowerCase();
  if (lower.length < 6 || NOT_A_QUESTION.test(lower)) return false;
  return lower.endsWith('?') || (addressed && QUESTION_START.test(lower));
}

/** Queues the analysis and moves the thread to it; a new status message tells its progress. */
export async function startFollowUp(
  deps: InboundDeps,
  thread: RunThread,
  text: string,
  user: string,
): Promise<void> {
  const request = thread.request!;
  const runId = newRunId();
  const goal = text.replace(/\s+/g, ' ').trim().slice(0, 2000);
  const next = RunRequestSchema.parse({
    ...request,
    runId,
    goal,
    kind: 'analysis',
    options: {
      ...request.options,
      target: undefined,
      budgetSeconds: Math.min(request.options.budgetSeconds, 120),
    },
    origin: { ...request.origin, user },
    // The same question in the same thread (a platform retry) starts one report.
    idempotencyKey: `${thread.platform}:followup:${thread.runId}:${createHash('sha256').update(goal).digest('hex').slice(0, 16)}`,
  });
  const enqueued = await deps.queue.enqueue(next);
  if (enqueued.duplicate) return;
  const view = initialView({
    runId,
    goal,
    file: thread.file,
    budgetSeconds: next.options.budgetSeconds,
    maxExperiments: next.options.maxExperiments,
  });
  await deps.outbox.post(
    thread.channel,
    thread.thread,
    textMessage(
      `🔎 Looking into “${goal.slice(0, 200)}” with the data of this thread (\`${thread.file}\`); a report follows here.`,
    ),
  );
  const statusMessage = await deps.outbox.post(thread.channel, thread.thread, renderStatus(view, Date.now()));
  const moved: RunThread = {
    ...thread,
    runId,
    request: next,
    goal,
    user,
    statusMessage,
    budgetSeconds: next.options.budgetSeconds,
    lastEventId: '0',
    rendered: 0,
    keySent: false,
    keyHeld: false,
    done: false,
  };
  await deps.store.save(moved);
  deps.threads.follow(moved);
}
