import { loadConfig } from '../core/config.ts';
import { isOuroError } from '../core/errors.ts';
import { createLogger } from '../core/logger.ts';
import { RUN_USAGE, runCommand } from './run-command.ts';

const USAGE = `ouro — an autonomous data scientist

Usage:
  ouro run <file.csv> "<goal>" [options]   run the loop and validate the best model
  ouro run --resume <run-id>               continue an interrupted run
  ouro help [command]

Environment: see docs/configuration.md (OURO_HOME, OURO_SANDBOX, OURO_PYTHON, ...).
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(rest[0] === 'run' ? RUN_USAGE : USAGE);
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
      const { outcome } = await runCommand(rest, config, logger);
      // Exit 0 only when a model was validated (a cancelled run with a validated best counts).
      return outcome.card !== null ? 0 : 1;
    }
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
