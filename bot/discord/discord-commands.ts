import {
  ApplicationCommandOptionType,
  REST,
  Routes,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';

/** The slash commands, as registered with `ouro discord register`. */
export const DISCORD_COMMANDS: RESTPostAPIChatInputApplicationCommandsJSONBody[] = [
  {
    name: 'predict',
    description: 'Ask a deployed ouro model for a prediction',
    options: [
      {
        type: ApplicationCommandOptionType.String,
        name: 'model',
        description: 'The model',
        required: true,
        autocomplete: true,
      },
      {
        type: ApplicationCommandOptionType.String,
        name: 'input',
        description: 'One row: {"age": 41} or age=41 plan="pro plus" (empty: show the inputs)',
        required: false,
      },
      {
        type: ApplicationCommandOptionType.Attachment,
        name: 'file',
        description: 'A CSV of rows: answered with a CSV of predictions',
        required: false,
      },
      {
        type: ApplicationCommandOptionType.Boolean,
        name: 'share',
        description: 'Show the answer to the channel',
        required: false,
      },
    ],
  },
  { name: 'models', description: 'List the deployed ouro models' },
];

/** Registers the commands globally (can take up to an hour to appear) or in one guild (at once). */
export async function registerDiscordCommands(opts: {
  token: string;
  applicationId: string;
  guildId?: string | undefined;
  apiUrl?: string | undefined;
}): Promise<{ names: string[] }> {
  const rest = new REST({ ...(opts.apiUrl !== undefined ? { api: opts.apiUrl } : {}) }).setToken(opts.token);
  const route =
    opts.guildId !== undefined
      ? Routes.applicationGuildCommands(opts.applicationId, opts.guildId)
      : Routes.applicationCommands(opts.applicationId);
  const res = (await rest.put(route, { body: DISCORD_COMMANDS })) as { name: string }[];
  return { names: res.map((c) => c.name) };
}
