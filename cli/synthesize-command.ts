import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ANSI, PLAIN, renderEvent } from '../bot/terminal/render-terminal.ts';
import type { Config } from '../core/config.ts';
import { parseDurationSeconds } from '../core/duration.ts';
import { OuroError } from '../core/errors.ts';
import { FileEventLog } from '../core/events/event-log.ts';
import { newRunId } from '../core/ids.ts';
import type { Logger } from '../core/logger.ts';
import { runPaths } from '../core/run-paths.ts';
import { createArtifactStore } from '../core/store/create-store.ts';
import { createSandboxDriver } from '../sandbox/create-driver.ts';
import { parseCount } from '../worker/synthesis/purpose.ts';
import { synthesize, type SynthOutcome } from '../worker/synthesis/synthesize.ts';
import { limitsFromConfig } from './run-command.ts';

export const SYNTHESIZE_USAGE = `Usage: ouro synthesize <file> "<goal>" [options]

Makes synthetic rows like the table's and judges them on a holdout no generator sees. The goal
says what for: a shareable stand-in ("5,000 rows like this I can share with the vendor", "test
data") is judged by utility, fidelity and privacy; augmentation ("more examples of the rare
class") by whether a model trained on real + synthetic beats real alone.

Options:
  --rows <n>            rows to make (default: from the goal, else as many as the table has;
                        augmentation: enough to even out the rare class); at most OURO_SYNTH_MAX_ROWS
  --target <column>     the column utility is judged by (and whose rare class is augmented)
  --budget <time>       wall-clock budget, e.g. 180, 90s, 3m (default 3m)
  --seed <n>            seed of the split and the generators (default 42)
  --json                print events as JSON lines; the last is dataset.published (or failed)
`;

function usageError(message: string): never {
  throw new OuroError('config_invalid', `${message}\n\n${SYNTHESIZE_USAGE}`);
}

/** `ouro synthesize`: exit 0 with a dataset, 1 when the run failed (the last event says why). */
export async function synthesizeCommand(
  args: string[],
  config: Config,
  logger: Logger,
): Promise<{ outcome: SynthOutcome }> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      rows: { type: 'string' },
      target: { type: 'string' },
      budget: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const [file, ...goalWords] = positionals;
  const goal = goalWords.join(' ').trim();
  if (file === undefined) usageError('Missing the data file.');
  if (goal.length === 0) usageError('Missing the goal, e.g. "5,000 rows like this I can share".');
  const rows = values.rows === undefined ? undefined : parseCount(values.rows);
  if (rows === null) usageError(`--rows "${values.rows}" is not a number of rows (try 5000 or 5k).`);
  const budget = values.budget === undefined ? 180 : parseDurationSeconds(values.budget);
  if (budget === null || budget <= 0)
    usageError(`--budget "${values.budget}" is not a duration (try 180, 90s or 3m).`);
  const seed = values.seed === undefined ? 42 : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) usageError(`--seed must be a whole number, got "${values.seed}".`);
  const path = resolve(file);
  const info = await stat(path).catch(() => null);
  if (info === null || !info.isFile())
    throw new OuroError('input_missing', `Cannot read ${file}: no such file.`);

  const runId = newRunId();
  const ref = join('runs', runId, 'input', basename(path));
  const store = await createArtifactStore(config);
  await store.putFile(ref, path);
  const paths = runPaths(config.OURO_HOME, runId);
  const events = new FileEventLog(paths.events, runId);
  const json = values.json === true;
  const style = process.stdout.isTTY && !process.env.NO_COLOR ? ANSI : PLAIN;
  events.onEvent((e) => {
    if (json) process.stdout.write(JSON.stringify(e) + '\n');
    else for (const line of renderEvent(e, style)) process.stdout.write(line + '\n');
  });
  const driver = createSandboxDriver(config);
  if (!json) process.stdout.write(style.dim(`sandbox: ${driver.describe()}`) + '\n');
  const controller = new AbortController();
  const onSigint = () => (controller.signal.aborted ? process.exit(130) : controller.abort());
  process.on('SIGINT', onSigint);
  try {
    const outcome = await synthesize(
      {
        runId,
        dataset: { ref, filename: basename(path) },
        goal,
        ...(rows !== undefined ? { rows } : {}),
        ...(values.target !== undefined ? { target: values.target } : {}),
        budgetSeconds: budget,
        seed,
      },
      { config, driver, limits: limitsFromConfig(config), store, events, logger, signal: controller.signal },
    );
    if (!json) {
      if (outcome.dataset !== null)
        process.stdout.write(
          `dataset: ${outcome.dataset}\ncard and script: ${join(paths.root, 'dataset')}\n`,
        );
      process.stdout.write(style.dim(`run folder: ${paths.root}`) + '\n');
    }
    return { outcome };
  } finally {
    process.off('SIGINT', onSigint);
  }
}
