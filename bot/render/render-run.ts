import { familyName } from '../../core/catalog/family-lookup.ts';
import type { RunEvent } from '../../core/schemas/events.ts';
import { renderReportReply } from './render-report-reply.ts';
import { higherIsBetter, taskTraits, type Metric } from '../../core/schemas/task.ts';
import { stripMarkup, type Block, type ChatMessage } from './chat-message.ts';
import { fmtScore, truncate } from './format.ts';
import type { RunView } from './run-view.ts';

/**
 * Run events as platform-neutral chat messages: one live status message per run, a thread
 * reply for each thing worth knowing (the plan, a diagnosis, a strategy change, a new best),
 * and a metrics card at the end. Pure functions of the events (and of `now` for the clock).
 * The status message is in render-status.ts, the card in render-card.ts; this file holds the
 * thread replies.
 */

export { familyName };

function improvement(metric: Metric, score: number, previous: number | null): string {
  if (previous === null) return '';
  const delta = score - previous;
  const better = higherIsBetter(metric) ? delta : -delta;
  return ` (was ${fmtScore(previous)}, ${better >= 0 ? 'better' : 'worse'} by ${fmtScore(Math.abs(delta))})`;
}

function reply(text: string, context?: string): ChatMessage {
  const blocks: Block[] = [{ type: 'text', text }];
  if (context !== undefined && context.length > 0) blocks.push({ type: 'context', text: context });
  return { text: stripMarkup(text), blocks };
}

/**
 * The thread reply for one event, given the view *after* it; null for events that only move
 * the status message (experiments starting and finishing, notes, token usage).
 */
export function renderThreadReply(e: RunEvent, v: RunView): ChatMessage | null {
  switch (e.type) {
    case 'planned': {
      const p = e.plan;
      const lines = [
        `🧭 **Plan** — ${taskTraits(p.task).route} **${p.target}** (${taskTraits(p.task).words}), judged by **${p.metric}**.`,
        `_Why:_ the target because ${p.targetReason}; ${p.metric} because ${p.metricReason}.`,
        `Families to try, in order: ${p.families.map((f) => familyName(f.family)).join(' → ')}.`,
        ...p.dropColumns.map((d) => `Leaving out \`${d.column}\`: ${d.why}.`),
      ];
      const profile =
        v.rows !== null
          ? `${v.rows.toLocaleString('en-US')} rows × ${v.columns} columns${v.findings.length > 0 ? ' · ' + v.findings.slice(0, 3).join(' · ') : ''}`
          : '';
      return reply(lines.join('\n'), truncate(profile, 600));
    }
    case 'experiment.failed': {
      const d = e.diagnosis;
      return reply(
        `🩺 **Diagnosis** — ${familyName(e.family)} (${e.node}) failed: **${d.class.replace(/_/g, ' ')}**.\nEvidence: \`${truncate(d.evidence.replace(/`/g, "'"), 300)}\`\nFix: ${d.fix}`,
      );
    }
    case 'strategy.changed':
      return reply(`🔀 **Strategy** — ${e.from} → **${e.to}**.\n_Why:_ ${e.why}.`.replace(/\.\.$/, '.'));
    case 'best.improved': {
      const why = v.hypotheses[e.node];
      return reply(
        `⭐ **New best** — ${familyName(e.family)}: ${e.metric} ${fmtScore(e.score)} in cross-validation${improvement(e.metric, e.score, e.previous)}.`,
        why === undefined ? undefined : `tried because: ${truncate(why, 300)}`,
      );
    }
    case 'cancelled':
      return reply(`⏹ Stopping on request — ${e.reason}.`);
    case 'failed':
      return reply(`❌ **The run failed** — ${e.message}`, `code: ${e.code}`);
    case 'challenged':
      return renderChallenge(e);
    case 'note':
      return e.level === 'warn' ? reply(`⚠️ ${e.message}`) : null;
    case 'question':
      return renderTargetQuestion(e.runId, e.message, e.candidates);
    case 'report.published':
      return renderReportReply(e);
    default:
      return null;
  }
}

/**
 * A follow-up's verdict: champion and challenger, both scored by the host on the new data's
 * held-out rows, and what happens to each version (the loser stays in the registry).
 */
export function renderChallenge(e: Extract<RunEvent, { type: 'challenged' }>): ChatMessage {
  const champion = `**${e.name}** v${e.champion.version}`;
  const championScore =
    e.champion.score === null
      ? `could not score the new data (${truncate(e.champion.why ?? 'no reason given', 200)})`
      : `${e.metric} **${fmtScore(e.champion.score)}**`;
  const scores = `On the new data's held-out rows: challenger ${e.metric} **${fmtScore(e.challenger.score)}**, champion ${champion} ${championScore}.`;
  if (e.promoted) {
    return reply(
      `🏆 **The challenger wins.** ${scores} It replaces ${champion} at the same URL; v${e.champion.version} is kept for a rollback.`,
      `\`ouro models rollback ${e.name} --to ${e.champion.version}\` serves v${e.champion.version} again`,
    );
  }
  return reply(
    `🛡️ **The champion stays.** ${scores} The challenger is not better, so ${champion} keeps serving; the challenger is kept as a version of **${e.name}**, not served.`,
    `\`ouro models list\` shows the versions; \`ouro models rollback ${e.name} --to <version>\` serves another`,
  );
}

/** The value a clicked choice sends back: the run that asked and the column chosen. */
export const TARGET_CHOICE_ID = 'ouro_target';

export function renderTargetQuestion(
  runId: string,
  message: string,
  candidates: { column: string; reason: string }[],
): ChatMessage {
  const lines = [
    `❓ **Which column should I predict?** ${message}`,
    ...candidates.map((c, i) => `${i + 1}. \`${c.column}\` — ${truncate(c.reason, 200)}`),
  ];
  const blocks: Block[] = [{ type: 'text', text: lines.join('\n') }];
  if (candidates.length > 0)
    blocks.push({
      type: 'choices',
      id: TARGET_CHOICE_ID,
      options: candidates.map((c) => ({
        label: c.column,
        value: JSON.stringify({ run: runId, column: c.column }),
      })),
    });
  blocks.push({
    type: 'context',
    text: "Click one, or reply in this thread with the column's name; I start the run as soon as you answer.",
  });
  return { text: stripMarkup(lines[0]!), blocks };
}
