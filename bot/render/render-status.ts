import { familyName } from '../../core/catalog/family-lookup.ts';
import { taskTraits } from '../../core/schemas/task.ts';
import { stripMarkup, type Block, type ChatMessage } from './chat-message.ts';
import { fmtClock, fmtScore, progressBar, truncate } from './format.ts';
import type { RunView } from './run-view.ts';

/**
 * The run's live status message (edited as events arrive) and its `status` reply: pure
 * functions of the run's view and of `now` for the clock.
 */

function elapsedSeconds(v: RunView, now: number): number {
  if (v.startedAt === null) return 0;
  return ((v.endedAt ?? now) - v.startedAt) / 1000;
}

/** How far along a run is: the larger of the time and the experiments used, below 100 % until it ends. */
export function progressRatio(v: RunView, now: number): number {
  if (v.state === 'finished' || v.state === 'failed' || v.state === 'asking') return 1;
  if (v.state === 'validating') return 0.97;
  const time = elapsedSeconds(v, now) / v.budgetSeconds;
  const experiments = (v.experiments.finished + v.experiments.failed) / v.maxExperiments;
  return Math.min(0.95, Math.max(time, experiments));
}

export const STEERING_HELP =
  'reply `stop`, `status`, `use <metric>`, `exclude <column>`, `try <family>` or `more time` in this thread';

/** What the bot will do, said before the worker has even looked at the file. */
export function understoodGoal(
  v: Pick<RunView, 'goal' | 'file' | 'budgetSeconds' | 'maxExperiments'>,
): string {
  return `Goal as I understand it: **${v.goal}**, from \`${v.file}\`. I'll profile the file, keep 20 % of the rows aside for an honest final check, then write and run experiments for up to ${fmtClock(v.budgetSeconds)} (at most ${v.maxExperiments}), and post what I learn here.`;
}

function planLine(v: RunView): string {
  const p = v.plan!;
  const shape = v.rows !== null ? ` — ${v.rows.toLocaleString('en-US')} rows × ${v.columns} columns` : '';
  return `Predicting **${p.target}** (${taskTraits(p.task).words}), judged by **${p.metric}**${shape}.`;
}

function stateLines(v: RunView, now: number): string[] {
  const clock = `${fmtClock(elapsedSeconds(v, now))} of ${fmtClock(v.budgetSeconds)}`;
  const best =
    v.best === null
      ? null
      : `best so far: **${familyName(v.best.family)}** ${v.best.metric} ${fmtScore(v.best.score)}`;
  switch (v.state) {
    case 'queued':
      return ['⏳ Queued — waiting for a worker to pick the run up.'];
    case 'running': {
      const done = v.experiments.finished + v.experiments.failed;
      const doing =
        v.current !== null
          ? `experiment ${v.experiments.started} of up to ${v.maxExperiments}: ${familyName(v.current.family)} (${v.current.operator})`
          : v.stopReason !== null
            ? `wrapping up: ${v.stopReason}`
            : v.plan === null
              ? 'reading and profiling the file'
              : `${done} experiment${done === 1 ? '' : 's'} done, choosing the next`;
      return [
        `\`${progressBar(progressRatio(v, now))}\` ${Math.round(progressRatio(v, now) * 100)} % · ${doing}`,
        [best, clock].filter(Boolean).join(' · '),
      ];
    }
    case 'validating':
      return [
        `\`${progressBar(progressRatio(v, now))}\` validating the best model on the held-out rows`,
        [best, clock].filter(Boolean).join(' · '),
      ];
    case 'finished': {
      if (v.report)
        return [
          `✅ Report ready in ${fmtClock(elapsedSeconds(v, now))}. The answer is below${v.report.url ? `: [open the report](${v.report.url})` : ''}.`,
        ];
      if (v.dataset !== null)
        return [
          `✅ Done in ${fmtClock(elapsedSeconds(v, now))}. **${v.dataset.rows.toLocaleString('en-US')} synthetic rows** (${v.dataset.generator}) in \`${v.dataset.filename}\`; the file and its data card are below.`,
        ];
      const c = v.card!;
      const head = v.cancelled
        ? `⏹ Stopped on request after ${fmtClock(elapsedSeconds(v, now))}; the best model so far was validated and saved.`
        : `✅ Done in ${fmtClock(elapsedSeconds(v, now))}.`;
      return [
        `${head} **${familyName(c.family)}**: ${c.metric} ${fmtScore(c.holdout.score)} on the held-out rows (baseline ${fmtScore(c.holdout.baseline)}). The card is below.`,
      ];
    }
    case 'failed':
      return [
        `❌ The run failed after ${fmtClock(elapsedSeconds(v, now))}: ${v.failure?.message ?? 'unknown error'}`,
      ];
    case 'asking':
      return ['❓ Waiting for you: which column should I predict? The question is in the thread.'];
  }
}

/**
 * The live status message: the goal as understood, then progress; edited as events arrive.
 * `phase` replaces the queued line while the bot itself is still busy (fetching the file).
 */
export function renderStatus(v: RunView, now: number, phase?: string): ChatMessage {
  const first = v.plan === null ? understoodGoal(v) : planLine(v);
  const lines = phase !== undefined && v.state === 'queued' ? [phase] : stateLines(v, now);
  const live = v.state !== 'finished' && v.state !== 'failed' && v.state !== 'asking' && phase === undefined;
  const blocks: Block[] = [
    { type: 'header', text: `ouro · ${truncate(v.goal, 120)}` },
    { type: 'text', text: first },
    { type: 'text', text: lines.join('\n') },
    { type: 'context', text: `run \`${v.runId}\`${live ? ` · ${STEERING_HELP}` : ''}` },
  ];
  return { text: stripMarkup(`${first} ${lines[0]}`), blocks };
}

/** The status as a reply to `status` in the thread. */
export function renderStatusReply(v: RunView, now: number): ChatMessage {
  const lines = [v.plan === null ? understoodGoal(v) : planLine(v), ...stateLines(v, now)];
  if (v.experiments.started > 0)
    lines.push(`experiments: ${v.experiments.finished} finished · ${v.experiments.failed} failed`);
  return { text: stripMarkup(lines.join('\n')), blocks: [{ type: 'text', text: lines.join('\n') }] };
}
