import type { ChatMessage } from './chat-message.ts';
import { dataCardFacts } from '../../core/data-card-text.ts';
import type { DataCard } from '../../core/schemas/data-card.ts';

/** Terminal lines for `ouro synthesize`. */
export function renderDataCardLines(card: DataCard): string[] {
  const line = '─'.repeat(60);
  return [
    line,
    '  data card',
    ...dataCardFacts(card).map(([k, v]) => `  ${k.padEnd(12)} ${v}`),
    ...card.withheld.map((w) => `  ${'withheld'.padEnd(12)} ${w.column}: ${w.why}`),
    ...card.caveats.map((c) => `  ${'note'.padEnd(12)} ${c}`),
    line,
  ];
}

/** The card as a chat message (blocks every adapter draws). */
export function renderDataCardMessage(card: DataCard, where: string): ChatMessage {
  const facts = dataCardFacts(card);
  return {
    text: `Synthetic data ready: ${card.rows} rows (${card.generator.label}). ${where}`,
    blocks: [
      { type: 'header', text: `Synthetic data: ${card.files.data}` },
      { type: 'fields', fields: facts },
      ...(card.withheld.length > 0
        ? [
            {
              type: 'context' as const,
              text: `Withheld: ${card.withheld.map((w) => `${w.column} (${w.why})`).join('; ')}`,
            },
          ]
        : []),
      { type: 'text', text: where },
      { type: 'context', text: card.caveats.join(' ') },
    ],
  };
}
