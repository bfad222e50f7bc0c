import { registerSecrets } from '../core/redact.ts';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from '../core/config.ts';
import type { Logger } from '../core/logger.ts';
import { startEmbeddedRedis, type EmbeddedRedis } from '../core/queue/embedded-redis.ts';
import { createRedis } from '../core/queue/redis-connection.ts';
import { startServer } from '../deploy/server.ts';
import { chatConfigured, startChatBots } from './bot-command.ts';
import { createArtifactStore } from '../core/store/create-store.ts';
import { startRegistryMirror } from '../deploy/registry-mirror.ts';
import { startWorker } from './queue-commands.ts';

export const UP_USAGE = `Usage: ouro up

Runs the worker, the prediction API and (when configured) the chat bot in one process, for
small teams. Without REDIS_URL it starts a private redis-server (data in $OURO_HOME/redis).
Submit runs with \`ouro submit\` (REDIS_URL as printed) or from chat.
`;

/** `ouro up`: everything in one process, with a private Redis when none is configured. */
export async function upCommand(config: Config, logger: Logger): Promise<number> {
  let embedded: EmbeddedRedis | undefined;
  let url = config.REDIS_URL;
  if (url === undefined) {
    embedded = await startEmbeddedRedis(join(config.OURO_HOME, 'redis'));
    url = embedded.url;
    process.stderr.write(
      `ouro up: started a private redis-server at ${url} (set REDIS_URL to use your own)\n`,
    );
  }
  // The bot's /predict reaches the API in this same process: a private service token will do.
  const internalToken =
    config.OURO_INTERNAL_TOKEN ??
    (chatConfigured(config) ? randomBytes(24).toString('base64url') : undefined);
  registerSecrets([internalToken]);
  const cfg: Config = {
    ...config,
    REDIS_URL: url,
    ...(internalToken !== undefined ? { OURO_INTERNAL_TOKEN: internalToken } : {}),
  };
  const redis = createRedis(url, 'up');
  const store = await createArtifactStore(cfg);
  const mirror = await startRegistryMirror(store, cfg.OURO_HOME, logger, cfg.OURO_STORE_POLL_S);
  const server = await startServer({ config: cfg, logger, listenFirst: true });
  // Deployed models are announced at the address this server actually listens on (OURO_PORT may be 0).
  const worker = startWorker(
    { ...cfg, OURO_PUBLIC_URL: cfg.OURO_PUBLIC_URL ?? server.url },
    logger,
    redis,
    undefined,
    store,
  );
  process.stderr.write(
    `ouro up: worker taking runs (concurrency ${cfg.OURO_WORKER_CONCURRENCY}); prediction API at ${server.url}\n`,
  );
  const bots = await startChatBots(cfg, logger, redis, { apiUrl: server.url });
  if (bots !== null) {
    const failed = new Set(bots.failures.map((f) => f.platform));
    for (const f of bots.failures) process.stderr.write(`ouro up: ${f.platform} did not start: ${f.error}\n`);
    const platforms = [
      ...(cfg.SLACK_BOT_TOKEN !== undefined && !failed.has('slack')
        ? [`Slack (${cfg.OURO_SLACK_MODE === 'http' ? `HTTP on :${cfg.OURO_SLACK_PORT}` : 'Socket Mode'})`]
        : []),
      ...(cfg.DISCORD_TOKEN !== undefined && !failed.has('discord') ? ['Discord'] : []),
    ];
    process.stderr.write(`ouro up: chat bot connected: ${platforms.join(', ')}\n`);
  } else
    process.stderr.write(
      `ouro up: no chat platform is configured (docs/slack.md) — queue runs with: REDIS_URL=${url} ouro submit <file.csv> "<goal>" --follow\n`,
    );
  process.stderr.write('ouro up: ready\n');

  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  process.stderr.write('ouro up: stopping\n');
  await bots?.close();
  await worker.close(cfg.OURO_SHUTDOWN_GRACE_S * 1000);
  await mirror?.stop();
  await server.close();
  redis.disconnect();
  await embedded?.stop();
  return 0;
}
