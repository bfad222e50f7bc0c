/**
 * A platform-neutral chat message: what the renderer produces and every adapter (Slack Block
 * Kit, Discord embeds, the terminal) knows how to draw.
 *
 * Inline markup is a small common subset: `**bold**`, `_italic_`, `` `code` ``, and links as
 * `[text](url)`. Adapters translate it; everything else is plain text and gets escaped.
 */
export type Block =
  | { type: 'header'; text: string }
  | { type: 'text'; text: string }
  /** Label/value pairs, drawn two per row where the platform can. */
  | { type: 'fields'; fields: [label: string, value: string][] }
  /** Small grey print under a section. */
  | { type: 'context'; text: string }
  /** Verbatim, monospaced. */
  | { type: 'code'; text: string }
  | { type: 'divider' }
  /**
   * Buttons, one per option: Slack draws an actions block, Discord a row of buttons. `id` names
   * the question (the platform sends it back with the clicked option's `value`).
   */
  | { type: 'choices'; id: string; options: { label: string; value: string }[] };

export interface ChatMessage {
  /** The plain-text version: notifications, screen readers, and platforms without blocks. */
  text: string;
  blocks: Block[];
}

/** A file to post beside the messages (the chart). */
export interface ChatFile {
  filename: string;
  title: string;
  data: Buffer;
}

/** A message of one paragraph. */
export function textMessage(text: string): ChatMessage {
  return { text: stripMarkup(text), blocks: [{ type: 'text', text }] };
}

/** The markup removed: for notification text and plain terminals. */
export function stripMarkup(text: string): string {
  return text
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, '$1 ($2)')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,;:!?])/g, '$1$2')
    .replace(/`([^`]+)`/g, '$1');
}
