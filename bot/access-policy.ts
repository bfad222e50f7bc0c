import type { Config } from '../core/config.ts';

export interface Requester {
  workspace?: string | undefined;
  channel?: string | undefined;
  user?: string | undefined;
}

export type Refusal = 'workspace' | 'channel' | 'user';

/**
 * The allow-lists of OURO_ALLOWED_WORKSPACES / _CHANNELS / _USERS (empty: no restriction).
 * Null when the request may go ahead, else what refused it.
 */
export function refusalOf(
  r: Requester,
  config: Pick<Config, 'OURO_ALLOWED_WORKSPACES' | 'OURO_ALLOWED_CHANNELS' | 'OURO_ALLOWED_USERS'>,
): Refusal | null {
  const allows = (list: string[], id: string | undefined) =>
    list.length === 0 || (id !== undefined && list.includes(id));
  if (!allows(config.OURO_ALLOWED_WORKSPACES, r.workspace)) return 'workspace';
  if (!allows(config.OURO_ALLOWED_CHANNELS, r.channel)) return 'channel';
  if (!allows(config.OURO_ALLOWED_USERS, r.user)) return 'user';
  return null;
}

export const REFUSAL_TEXT: Record<Exclude<Refusal, 'workspace'>, string> = {
  channel:
    'I am not enabled in this channel. An admin can add it to OURO_ALLOWED_CHANNELS, or you can use one of the channels I work in.',
  user: 'You are not on the list of people who can use me here (OURO_ALLOWED_USERS). Ask an admin to add you.',
};
