import type { APIEmbed } from 'discord.js';
import type { ChatMessage } from '../render/chat-message.ts';

/** What Discord accepts for one message: content (≤ 2000 characters) and embeds. */
export interface DiscordMessage {
  content: string;
  embeds: APIEmbed[];
  allowed_mentions: { parse: never[]; users?: string[] };
}

const OURO_BLURPLE = 0x5865f2;
const truncate = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

/**
 * The neutral markup (`**bold**`, `_italic_`, `` `code` ``, `[text](url)`) is Discord markdown
 * already. A message with a header (the live status, the metrics card) becomes an embed: the
 * header its title, text and code its description, fields its fields, context its footer; any
 * other message is plain content. Mentions never ping anyone but the users named in `<@id>`.
 */
export function toDiscordMessage(message: ChatMessage): DiscordMessage {
  const users = [...new Set([...JSON.stringify(message.blocks).matchAll(/<@!?(\d+)>/g)].map((m) => m[1]!))];
  const allowed_mentions = { parse: [] as never[], ...(users.length > 0 ? { users } : {}) };
  const header = message.blocks.find((b) => b.type === 'header');
  if (header === undefined) {
    const parts = message.blocks.map((b) => {
      switch (b.type) {
        case 'text':
          return b.text;
        case 'context':
          return `-# ${b.text.replace(/\n/g, ' ')}`;
        case 'code':
          return `\`\`\`\n${b.text.replace(/```/g, '`\u200b``')}\n\`\`\``;
        case 'fields':
          return b.fields.map(([k, v]) => `**${k}:** ${v}`).join('\n');
        case 'divider':
          return '';
        default:
          return '';
      }
    });
    const content = parts.filter((p) => p !== '').join('\n');
    return {
      content: truncate(content.length > 0 ? content : message.text, 2000),
      embeds: [],
      allowed_mentions,
    };
  }
  const description: string[] = [];
  const fields: { name: string; value: string; inline: boolean }[] = [];
  const footer: string[] = [];
  for (const b of message.blocks) {
    if (b === header) continue;
    if (b.type === 'text') description.push(b.text);
    else if (b.type === 'code') description.push(`\`\`\`\n${b.text.replace(/```/g, '`\u200b``')}\n\`\`\``);
    else if (b.type === 'fields')
      fields.push(
        ...b.fields.map(([name, value]) => ({
          name: truncate(name, 256),
          value: truncate(value || '—', 1024),
          inline: true,
        })),
      );
    else if (b.type === 'context') footer.push(b.text);
  }
  const embed: APIEmbed = {
    title: truncate(header.type === 'header' ? header.text : '', 256),
    color: OURO_BLURPLE,
    ...(description.length > 0 ? { description: truncate(description.join('\n\n'), 4096) } : {}),
    ...(fields.length > 0 ? { fields: fields.slice(0, 25) } : {}),
    ...(footer.length > 0
      ? { footer: { text: truncate(footer.join(' · ').replace(/`/g, '').replace(/\*\*/g, ''), 2048) } }
      : {}),
  };
  return { content: '', embeds: [embed], allowed_mentions };
}
