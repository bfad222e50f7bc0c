import { DISCORD_COMMANDS, registerDiscordCommands } from '../bot/discord/discord-commands.ts';
import type { Config } from '../core/config.ts';
import { OuroError } from '../core/errors.ts';

export const DISCORD_USAGE = `Usage: ouro discord register [--guild ID]

Registers ouro's slash commands (/predict, /models) with Discord (docs/discord.md). Global
commands can take up to an hour to show up; --guild registers them in one server at once.
Needs DISCORD_TOKEN and DISCORD_APPLICATION_ID.
`;

export async function discordCommand(args: string[], config: Config): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || rest.includes('--help')) {
    process.stdout.write(DISCORD_USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'register') {
    process.stderr.write(`Unknown discord command "${sub}".\n\n${DISCORD_USAGE}`);
    return 2;
  }
  let guildId: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--guild') guildId = rest[++i];
    else if (a.startsWith('--guild=')) guildId = a.slice('--guild='.length);
    else throw new OuroError('config_invalid', `Unknown option "${a}".\n\n${DISCORD_USAGE}`);
  }
  if (guildId !== undefined && !/^\d+$/.test(guildId))
    throw new OuroError('config_invalid', `--guild takes a server id (a number), not "${guildId ?? ''}".`);
  if (config.DISCORD_TOKEN === undefined || config.DISCORD_APPLICATION_ID === undefined)
    throw new OuroError(
      'config_invalid',
      `Set DISCORD_TOKEN and DISCORD_APPLICATION_ID (docs/discord.md).\n\n${DISCORD_USAGE}`,
    );
  const { names } = await registerDiscordCommands({
    token: config.DISCORD_TOKEN,
    applicationId: config.DISCORD_APPLICATION_ID,
    guildId,
    apiUrl: config.DISCORD_API_URL,
  });
  process.stdout.write(
    `Registered ${names.map((n) => `/${n}`).join(', ')} ${guildId !== undefined ? `in server ${guildId}` : 'globally (may take up to an hour to appear)'} (${DISCORD_COMMANDS.length} commands).\n`,
  );
  return 0;
}
