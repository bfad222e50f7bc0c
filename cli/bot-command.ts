import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { readUntrusted, UNTRUSTED_CAPS } from '../core/untrusted-files.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { ChatFile } from '../bot/render/chat-message.ts';
import { familyName } from '../bot/render/render-run.ts';
import { PredictionClient } from '../bot/predict/prediction-client.ts';
import { DiscordBot } from '../bot/discord/discord-bot.ts';
import { SlackBot, type SlackBotOptions } from '../bot/slack/slack-bot.ts';
import type { Config } from '../core/config.ts';
import { OuroError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { createRedis } from '../core/queue/redis-connection.ts';
import { RunQueue } from '../core/queue/run-queue.ts';
import { versionDir } from '../core/registry.ts';
import type { ModelCard } from '../core/schemas/model-card.ts';
import type { ArtifactStore } from '../core/store/artifact-store.ts';
import { createArtifactStore } from '../core/store/create-store.ts';
import { registryKeys } from '../core/store/store-registry.ts';
import { downloadFolder } from '../core/store/sync-folder.ts';
import { createSandboxDriver } from '../sandbox/create-driver.ts';
import { DEFAULT_LIMITS } from '../sandbox/driver.ts';
import { publicBaseUrl, requireRedisUrl } from './queue-commands.ts';

export const BOT_USAGE = `Usage: ouro bot

Connects ouro to Slack (docs/slack.md) and/or Discord (docs/discord.md): a mention with a CSV starts a run in a thread, replies
in the thread steer it, /predict queries deployed models. Needs REDIS_URL (the workers' Redis),
SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode, the default) or SLACK_SIGNING_SECRET with
OURO_SLACK_MODE=http, and/or DISCORD_TOKEN; OURO_INTERNAL_TOKEN (shared with \`ouro serve\`) for /predict.
`;

/** True when a chat platform is configured (`ouro up` starts the bot then). */
export function chatConfigured(config: Config): boolean {
  return config.SLACK_BOT_TOKEN !== undefined || config.DISCORD_TOKEN !== undefined;
}

/**
 * The thread's chart: `python -m ouro_harness.chart` in the sandbox, on the published model
 * (read-only), into a scratch folder. Null when the model has no importances.
 */
export function modelChart(
  config: Config,
  logger: Logger,
  store?: ArtifactStore,
): ((card: ModelCard) => Promise<ChatFile | null>) | undefined {
  // The chart step loads the model (a pickle a run wrote): without the configured isolation
  // this throws and the bot does not start, rather than draw charts unsandboxed (docs/security.md).
  const driver = createSandboxDriver(config);
  const remote = store !== undefined && store.kind !== 'fs' ? store : null;
  return async (card) => {
    const out = await mkdtemp(join(tmpdir(), 'ouro-chart-'));
    // With a remote store this host has no registry: the model is fetched beside the output.
    const fetched = remote === null ? null : await mkdtemp(join(tmpdir(), 'ouro-chart-model-'));
    const model =
      fetched === null
        ? join(versionDir(config.OURO_HOME, card.name, card.version), 'model')
        : join(fetched, 'model');
    try {
      await chmod(out, 0o755);
      if (remote !== null && fetched !== null) {
        await chmod(fetched, 0o755);
        await downloadFolder(remote, `${registryKeys.version(card.name, card.version)}model/`, model);
      }
      const title = `${card.name} v${card.version} (${familyName(card.family)}): what it leans on`;
      const res = await driver.run({
        command: ['python', '-m', 'ouro_harness.chart', '--model', model, '--out', out, '--title', title],
        cwd: out,
        mounts: [{ path: model }, { path: out, writable: true }],
        limits: {
          ...DEFAULT_LIMITS,
          memoryMb: config.OURO_SANDBOX_MEMORY_MB,
          cpus: 1,
          pids: 64,
          outputCapBytes: 64 * 1024,
        },
        timeoutMs: 60_000,
      });
      if (res.exitCode !== 0) {
        if (res.exitCode !== 4)
          logger.warn({ exit: res.exitCode, stderr: res.stderr.slice(-500) }, 'bot: chart step failed');
        return null;
      }
      // Drawn by a step that loaded the model: chart.png may be a planted link (trust boundary).
      const data = await readUntrusted(join(out, 'chart.png'), { root: out, maxBytes: UNTRUSTED_CAPS.image });
      return { filename: `${card.name}-v${card.version}-importance.png`, title, data };
    } finally {
      await rm(out, { recursive: true, force: true });
      if (fetched !== null) await rm(fetched, { recursive: true, force: true });
    }
  };
}

export interface ChatBots {
  /** The Slack bot (throws when Slack is not configured). */
  readonly slack: SlackBot;
  /** The Discord bot (throws when Discord is not configured). */
  readonly discord: DiscordBot;
  /** Configured platforms that did not start (the others run). */
  readonly failures: readonly { platform: 'slack' | 'discord'; error: string }[];
  close(): Promise<void>;
}

/**
 * Starts the configured chat bots on `redis` (null when none is configured). `apiUrl` is where
 * the prediction API answers (`ouro up` passes its own server's URL).
 */
export async function startChatBots(
  config: Config,
  logger: Logger,
  redis: Redis,
  opts: { apiUrl: string } & Pick<SlackBotOptions, 'pacing' | 'retryConfig'>,
): Promise<ChatBots | null> {
  if (!chatConfigured(config)) return null;
  const url = requireRedisUrl(config);
  const queue = new RunQueue(redis, url, config.OURO_QUEUE_NAME);
  const store = await createArtifactStore(config);
  const chart = modelChart(config, logger, store);
  const common = {
    config,
    logger,
    redis,
    queue,
    store,
    predictions: new PredictionClient({
      baseUrl: opts.apiUrl,
      token: config.OURO_INTERNAL_TOKEN,
      home: config.OURO_HOME,
      artifacts: store,
      access: config.OURO_MODEL_ACCESS,
    }),
    ...(chart ? { chart } : {}),
    ...(opts.pacing ? { pacing: opts.pacing } : {}),
  };
  // Each platform starts and fails on its own: a Discord gateway that refuses the bot (4014,
  // a bad token) must not take the Slack bot down with it, and the other way round.
  let slack: SlackBot | undefined;
  let discord: DiscordBot | undefined;
  const failures: { platform: 'slack' | 'discord'; error: string }[] = [];
  const attempt = async <T extends { start(): Promise<void>; stop(): Promise<void> }>(
    platform: 'slack' | 'discord',
    make: () => T,
  ): Promise<T | undefined> => {
    let bot: T | undefined;
    try {
      bot = make();
      await bot.start();
      return bot;
    } catch (err) {
      await bot?.stop().catch(() => undefined);
      failures.push({ platform, error: (err as Error).message });
      logger.error(
        { platform, err: (err as Error).message },
        'bot: a chat platform could not start; the others keep running',
      );
      return undefined;
    }
  };
  if (config.SLACK_BOT_TOKEN !== undefined)
    slack = await attempt(
      'slack',
      () => new SlackBot({ ...common, ...(opts.retryConfig ? { retryConfig: opts.retryConfig } : {}) }),
    );
  if (config.DISCORD_TOKEN !== undefined) discord = await attempt('discord', () => new DiscordBot(common));
  if (slack === undefined && discord === undefined) {
    await queue.close();
    throw new OuroError(
      'config_invalid',
      `No chat platform could start: ${failures.map((f) => `${f.platform}: ${f.error}`).join('; ')}`,
    );
  }
  return {
    failures,
    get slack(): SlackBot {
      if (slack === undefined)
        throw new Error(
          config.SLACK_BOT_TOKEN === undefined
            ? 'Slack is not configured (SLACK_BOT_TOKEN)'
            : 'the Slack bot did not start',
        );
      return slack;
    },
    get discord(): DiscordBot {
      if (discord === undefined)
        throw new Error(
          config.DISCORD_TOKEN === undefined
            ? 'Discord is not configured (DISCORD_TOKEN)'
            : 'the Discord bot did not start',
        );
      return discord;
    },
    close: async () => {
      await Promise.all([slack?.stop(), discord?.stop()]);
      await queue.close();
    },
  };
}

/** `ouro bot`: the chat bots until SIGTERM/SIGINT. */
export async function botCommand(args: string[], config: Config, logger: Logger): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(BOT_USAGE);
    return 0;
  }
  if (!chatConfigured(config))
    throw new OuroError(
      'config_invalid',
      `No chat platform is configured: set SLACK_BOT_TOKEN and SLACK_APP_TOKEN (docs/slack.md) or DISCORD_TOKEN (docs/discord.md).\n\n${BOT_USAGE}`,
    );
  const url = requireRedisUrl(config);
  const redis = createRedis(url, 'bot');
  const apiUrl = config.OURO_DEPLOY_URL ?? publicBaseUrl(config);
  const bots = await startChatBots(config, logger, redis, { apiUrl });
  if (config.OURO_INTERNAL_TOKEN === undefined)
    process.stderr.write(
      'ouro bot: OURO_INTERNAL_TOKEN is not set, so /predict cannot query models (set the same value for `ouro serve`)\n',
    );
  for (const f of bots?.failures ?? [])
    process.stderr.write(`ouro bot: ${f.platform} did not start: ${f.error}\n`);
  const up = (p: 'slack' | 'discord') => !(bots?.failures ?? []).some((f) => f.platform === p);
  if (config.SLACK_BOT_TOKEN !== undefined && up('slack'))
    process.stderr.write(
      `ouro bot: connected to Slack (${config.OURO_SLACK_MODE === 'http' ? `HTTP on :${config.OURO_SLACK_PORT}` : 'Socket Mode'}); prediction API at ${apiUrl}\n`,
    );
  if (config.DISCORD_TOKEN !== undefined && up('discord'))
    process.stderr.write(`ouro bot: connected to Discord; prediction API at ${apiUrl}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  process.stderr.write('ouro bot: stopping\n');
  await bots?.close();
  redis.disconnect();
  return 0;
}
