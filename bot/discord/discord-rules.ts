import type { AutocompleteInteraction, ChatInputCommandInteraction } from 'discord.js';
import type { Config } from '../../core/config.ts';
import type { ModelOwner } from '../../core/model-owner.ts';
import type { Prediction } from '../predict/prediction-client.ts';

/**
 * The Discord adapter's rules and texts that need no client: who may use the bot where (the
 * allow-lists), what to tell the operator about a gateway close, and a batch's answer as CSV.
 */

export type Refusal = 'guild' | 'channel' | 'role';
export const REFUSAL_TEXT: Record<Exclude<Refusal, 'guild'>, string> = {
  channel:
    'I am not enabled in this channel. An admin can add it to OURO_DISCORD_ALLOWED_CHANNELS, or you can use one of the channels I work in.',
  role: 'You do not have a role that may use me here (OURO_DISCORD_ALLOWED_ROLES). Ask an admin.',
};

/** The allow-lists (empty: no restriction). A thread is judged by its parent channel. */
export function discordRefusal(
  r: { guild: string | null; channel: string; parent: string | null; roles: string[] },
  config: Pick<
    Config,
    'OURO_DISCORD_ALLOWED_GUILDS' | 'OURO_DISCORD_ALLOWED_CHANNELS' | 'OURO_DISCORD_ALLOWED_ROLES'
  >,
): Refusal | null {
  const guilds = config.OURO_DISCORD_ALLOWED_GUILDS;
  const channels = config.OURO_DISCORD_ALLOWED_CHANNELS;
  const roles = config.OURO_DISCORD_ALLOWED_ROLES;
  if (r.guild === null) return 'guild'; // no runs or predictions in DMs: the allow-lists could not apply
  if (guilds.length > 0 && !guilds.includes(r.guild)) return 'guild';
  if (
    channels.length > 0 &&
    !channels.includes(r.channel) &&
    (r.parent === null || !channels.includes(r.parent))
  )
    return 'channel';
  if (roles.length > 0 && !r.roles.some((id) => roles.includes(id))) return 'role';
  return null;
}

export const MENTION = /<@[!&]?\d+>/g;

/** What the operator should do about a gateway close that discord.js will not recover from. */
export function gatewayCloseAdvice(code: number): string {
  if (code === 4014)
    return 'Discord refused the Message Content intent (close code 4014): turn on Bot → Privileged Gateway Intents → Message Content Intent in the developer portal, or set OURO_DISCORD_MESSAGE_CONTENT=false to run mention-only (docs/discord.md)';
  if (code === 4004) return 'Discord refused the token (close code 4004): check DISCORD_TOKEN';
  return `the Discord gateway closed with code ${code} and will not reconnect`;
}

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The rows sent, with the prediction (and each class's probability) appended. */
export function predictionsCsv(rows: Record<string, string>[], p: Prediction): string {
  const inputs = rows.length > 0 ? Object.keys(rows[0]!) : [];
  const classes = p.probabilities?.[0] ? Object.keys(p.probabilities[0]) : [];
  const header = [...inputs, 'prediction', ...classes.map((c) => `probability_${c}`)];
  const lines = rows.map((r, i) =>
    [...inputs.map((k) => r[k]), p.predictions[i], ...classes.map((c) => p.probabilities?.[i]?.[c])]
      .map(csvCell)
      .join(','),
  );
  return `${[header.map(csvCell).join(','), ...lines].join('\n')}\n`;
}

/**
 * Who is asking, for the model access rules (core/model-owner.ts): the server, and the channel
 * the conversation lives in (a thread counts as its parent channel, as runs record it).
 */
export function askerOf(interaction: ChatInputCommandInteraction | AutocompleteInteraction): ModelOwner {
  const channel = interaction.channel?.isThread()
    ? (interaction.channel.parentId ?? interaction.channelId)
    : interaction.channelId;
  return {
    platform: 'discord',
    ...(interaction.guildId ? { team: interaction.guildId } : {}),
    ...(channel ? { channel } : {}),
  };
}
