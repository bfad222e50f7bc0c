import { loadConfig } from '../core/config.ts';
import { isOuroError } from '../core/errors.ts';
import { createLogger } from '../core/logger.ts';
import { ANALYZE_USAGE, analyzeCommand } from './analyze-command.ts';
import { BOT_USAGE, botCommand } from './bot-command.ts';
import { DISCORD_USAGE, discordCommand } from './discord-command.ts';
import { MODELS_USAGE, modelsCommand } from './models-command.ts';
import { upCommand } from './up-command.ts';
import { controlCommand, eventsCommand, submitCommand, workerCommand } from './queue-commands.ts';
import { RUN_USAGE, runCommand } from './run-command.ts';
import { SERVE_USAGE, serveCommand } from './serve-command.ts';
import { SYNTHESIZE_USAGE, synthesizeCommand } from './synthesize-command.ts';

const USAGE = `ouro — an autonomous data scientist

Usage:
  ouro run <file.csv> "<goal>" [options]   run the loop and validate the best model
  ouro run --resume <run-id>               continue an interrupted run
  ouro analyze <file> "<question>"         answer a question about the data with a report
  ouro synthesize <file> "<goal>" [--rows N] [--target COL] [--json]   synthetic rows, judged on a holdout
  ouro serve [--background | stop]         serve the registry's models over HTTP
  ouro models list|show|rollback|delete    the model registry; \`ouro models key rotate <name>\`
  ouro up                                  worker + prediction API (+ bot) in one process
  ouro bot                                 the Slack and Discord bots (docs/slack.md, docs/discord.md)
  ouro discord register [--guild ID]       register the Discord slash commands
  ouro worker [--concurrency N]            take queued runs from Redis (REDIS_URL) and run them
  ouro submit <file.csv> "<goal>" [--follow] [--idempotency-key K]   queue a run for the workers
  ouro stop <run-id> | ouro steer <run-id> "<text>"   stop or steer a queued run
  ouro events <run-id> [--follow] [--json] replay a run's events
  ouro help [command]

Environment: see docs/configuration.md (OURO_HOME, OURO_SANDBOX, OURO_PYTHON, ...).
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(
      rest[0] === 'run'
        ? RUN_USAGE
        : rest[0] === 'analyze'
          ? ANALYZE_USAGE
          : rest[0] === 'serve'
            ? SERVE_USAGE
            : rest[0] === 'models'
              ? MODELS_USAGE
              : rest[0] === 'bot'
                ? BOT_USAGE
                : rest[0] === 'discord'
                  ? DISCORD_USAGE
                  : rest[0] === 'synthesize'
                    ? SYNTHESIZE_USAGE
                    : USAGE,
    );
    return 0;
  }
  const config = loadConfig();
  const logger = createLogger(config.OURO_LOG_LEVEL);
  switch (command) {
    case 'run': {
      if (rest.includes('--help') || rest.includes('-h')) {
        process.stdout.write(RUN_USAGE);
        return 0;
      }
      // `ouro run --kind analysis` is `ouro analyze`.
      const kindAt = rest.findIndex((a) => a === '--kind');
      if (kindAt >= 0 && /^(analysis|analyze|analyse|report)$/i.test(rest[kindAt + 1] ?? '')) {
        const outcome = await analyzeCommand(
          rest.filter((_, i) => i !== kindAt && i !== kindAt + 1),
          config,
          logger,
        );
        return outcome.status === 'failed' ? 1 : 0;
      }
      const { outcome } = await runCommand(rest, config, logger);
      // Exit 0 only when a model was validated (a cancelled run with a validated best counts);
      // 2 when the run stopped to ask which column to predict (the usage-error code: say more).
      if (outcome.status === 'needs_input') return 2;
      return outcome.card !== null ? 0 : 1;
    }
    case 'analyze': {
      if (rest.includes('--help') || rest.includes('-h')) {
        process.stdout.write(ANALYZE_USAGE);
        return 0;
      }
      const outcome = await analyzeCommand(rest, config, logger);
      return outcome.status === 'failed' ? 1 : 0;
    }
    case 'synthesize': {
      if (rest.includes('--help') || rest.includes('-h')) {
        process.stdout.write(SYNTHESIZE_USAGE);
        return 0;
      }
      const { outcome } = await synthesizeCommand(rest, config, logger);
      return outcome.status === 'succeeded' ? 0 : 1;
    }
    case 'serve':
      return serveCommand(rest, config, logger);
    case 'models':
      return modelsCommand(rest, config);
    case 'worker':
      return workerCommand(rest, config, logger);
    case 'up':
      return upCommand(config, logger);
    case 'bot':
      return botCommand(rest, config, logger);
    case 'discord':
      return discordCommand(rest, config);
    case 'submit':
      return submitCommand(rest, config);
    case 'stop':
    case 'steer':
      return controlCommand(command, rest, config);
    case 'events':
      return eventsCommand(rest, config);
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (isOuroError(err)) {
      process.stderr.write(`ouro: ${err.message}\n`);
      process.exit(err.code === 'config_invalid' ? 2 : 1);
    }
    process.stderr.write(`ouro: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(70);
  },
);
