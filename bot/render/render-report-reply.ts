import type { RunEvent } from '../../core/schemas/events.ts';
import type { ChatMessage } from './chat-message.ts';

const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

/**
 * An analysis report in the thread (docs/architecture.md, "Analysis reports"): the answer
 * first, then the top findings with their numbers and ids, then the link. Every number here
 * passed the worker's number checker; the bot only lays it out.
 */
export function renderReportReply(e: Extract<RunEvent, { type: 'report.published' }>): ChatMessage {
  const answer = clip(e.answer, 1800);
  const findings = e.highlights.map((h) => `• ${clip(h.text, 400)} \`${h.finding}\``).join('\n');
  const link =
    e.url !== null
      ? `[Open the full report](${e.url})${e.pdf ? ` · [PDF](${e.url}/report.pdf)` : ''} — every number links to the script that computed it.`
      : `The report is in \`${e.path}\` on the worker.`;
  const blocks: ChatMessage['blocks'] = [
    { type: 'header', text: clip(`📊 ${e.question}`, 140) },
    { type: 'text', text: `**Answer** — ${answer}` },
    ...(findings ? [{ type: 'text' as const, text: `**Top findings**\n${findings}` }] : []),
    { type: 'context', text: link },
  ];
  const text = [`Answer: ${answer}`, ...e.highlights.map((h) => `- ${h.text}`), e.url ?? e.path].join('\n');
  return { text, blocks };
}
