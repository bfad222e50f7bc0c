import type { Block, ChatMessage } from '../render/chat-message.ts';

/** Slack Block Kit: https://docs.slack.dev/reference/block-kit/blocks */
export type SlackBlock = Record<string, unknown>;

const MAX_SECTION = 3000;
const MAX_HEADER = 150;
const MAX_FIELD = 2000;

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Slack's three control characters, escaped, except in the platform's own mentions (`<@U1>`, `<#C1>`). */
export function escapeMrkdwn(text: string): string {
  return text
    .split(/(<[@#!][A-Za-z0-9^|_-]+>)/)
    .map((part, i) =>
      i % 2 === 1 ? part : part.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
    )
    .join('');
}

/** The neutral markup (`**bold**`, `_italic_`, `` `code` ``, `[text](url)`) as Slack mrkdwn. */
export function toMrkdwn(text: string): string {
  return escapeMrkdwn(text)
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_m, label: string, url: string) => `<${url}|${label}>`)
    .replace(/\*\*([^*]+)\*\*/g, '*$1*');
}

function blockOf(b: Block): SlackBlock {
  switch (b.type) {
    case 'header':
      return { type: 'header', text: { type: 'plain_text', text: cut(b.text, MAX_HEADER), emoji: true } };
    case 'text':
      return { type: 'section', text: { type: 'mrkdwn', text: cut(toMrkdwn(b.text), MAX_SECTION) } };
    case 'fields':
      return {
        type: 'section',
        fields: b.fields.slice(0, 10).map(([label, value]) => ({
          type: 'mrkdwn',
          text: cut(`*${escapeMrkdwn(label)}*\n${toMrkdwn(value)}`, MAX_FIELD),
        })),
      };
    case 'context':
      return { type: 'context', elements: [{ type: 'mrkdwn', text: cut(toMrkdwn(b.text), MAX_SECTION) }] };
    case 'code':
      return {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: cut('```' + escapeMrkdwn(b.text.replace(/```/g, "'''")) + '```', MAX_SECTION),
        },
      };
    case 'divider':
      return { type: 'divider' };
    case 'choices':
      // Action ids must be unique within the block; the handler matches their common prefix.
      return {
        type: 'actions',
        block_id: b.id,
        elements: b.options.slice(0, 25).map((o, i) => ({
          type: 'button',
          action_id: `${b.id}:${i}`,
          text: { type: 'plain_text', text: cut(o.label, 75), emoji: false },
          value: cut(o.value, 2000),
        })),
      };
  }
}

/** A neutral message as the `text` + `blocks` of chat.postMessage / chat.update / respond. */
export function toSlackMessage(m: ChatMessage): { text: string; blocks: SlackBlock[] } {
  return { text: cut(escapeMrkdwn(m.text), 3000), blocks: m.blocks.slice(0, 50).map(blockOf) };
}
