import type { ModelCard } from '../../core/schemas/model-card.ts';
import { textMessage, type ChatMessage } from './chat-message.ts';
import { fmtScore } from './format.ts';
import { familyName } from './render-run.ts';

/**
 * "why?" / "explain" in a finished run's thread, answered from the model card alone: what was
 * chosen, against what, on which rows, and what the run noticed in the data. Nothing is
 * recomputed, so the answer is the card's own numbers.
 */
export function renderExplanation(card: ModelCard | null, user: string): ChatMessage {
  if (card === null)
    return textMessage(
      `${user}: the run has no model yet; \`status\` shows where it is. I can explain a model once its card is posted.`,
    );
  const lift = card.holdout.score - card.holdout.baseline;
  const lines = [
    `🧠 **Why ${card.name} v${card.version}**, for ${user}:`,
    `• It predicts **${card.target}** (${card.task}) and was judged by **${card.metric}** on ${card.holdout.rows.toLocaleString('en-US')} held-out rows it never saw while training.`,
    `• The winner is a **${familyName(card.family)}**: ${fmtScore(card.holdout.score)} on the holdout against ${fmtScore(card.holdout.baseline)} for the baseline (${lift >= 0 ? '+' : ''}${fmtScore(lift)}), and ${fmtScore(card.cv.mean)} ± ${fmtScore(card.cv.std)} over ${card.cv.folds} cross-validation folds.`,
    `• ${card.experiments.tried} experiment${card.experiments.tried === 1 ? '' : 's'} tried (${card.experiments.succeeded} succeeded, ${card.experiments.failed} failed) on ${card.data.trainRows.toLocaleString('en-US')} training rows and ${card.inputs.length} input columns from \`${card.data.file}\`.`,
  ];
  if (card.findings.length > 0)
    lines.push(`• What I noticed in the data: ${card.findings.slice(0, 5).join(' ')}`);
  return textMessage(lines.join('\n'));
}
