import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ANSI, PLAIN, renderEvent } from '../bot/terminal/render-terminal.ts';
import type { Config } from '../core/config.ts';
import { OuroError } from '../core/errors.ts';
import type { ModelCard } from '../core/schemas/model-card.ts';
import { deployModel, type DeployResult } from '../deploy/deploy-model.ts';
import { FileEventLog } from '../core/events/event-log.ts';
import { newRunId } from '../core/ids.ts';
import type { Logger } from '../core/logger.ts';
import { versionDir } from '../core/registry.ts';
import { runPaths } from '../core/run-paths.ts';
import { JournalSchema } from '../core/schemas/journal.ts';
import { BrainKindSchema, RunRequestSchema, type RunRequest } from '../core/schemas/run-request.ts';
import { MetricSchema, taskTraits } from '../core/schemas/task.ts';
import { createArtifactStore } from '../core/store/create-store.ts';
import { readJsonIfExists } from '../core/store/json-file.ts';
import { createSandboxDriver } from '../sandbox/create-driver.ts';
import { DEFAULT_LIMITS, type SandboxLimits } from '../sandbox/driver.ts';
import { createBrain, defaultBrainKind } from '../worker/brains/create-brain.ts';
import { runLoop, type RunOutcome } from '../worker/loop/run-loop.ts';
import { parseDurationSeconds } from '../core/duration.ts';
import { parseWorkKind } from '../worker/intake/route-goal.ts';

export const RUN_USAGE = `Usage: ouro run <file> "<goal>" [options]
       ouro run --resume <run-id>

Runs the whole data-science loop on a table (CSV, TSV, Excel .xlsx, Parquet, JSON or JSON Lines, or one of them in a
.gz or .zip; the format is told by the file's bytes) and validates the best model on a holdout.

Options:
  --target <column>        the column to predict (default: found from the goal; when the goal
                           does not settle it, the run stops with the candidates, exit code 2)
  --yes                    when the goal does not settle the target, take the best candidate
                           instead of stopping (the run says loudly that it guessed)
  --deploy-anyway          deploy the best model even when it does not beat the baseline on the
                           holdout (by default it is not deployed and the run exits 1)
  --metric <name>          roc_auc | log_loss | f1_macro | accuracy | rmse | mae | r2 | mase | smape
  --horizon <n>            forecasting: steps to forecast (default: from the goal, "next 12 months")
  --date-column <column>   forecasting: the timestamps (default: the file's date column)
  --id-column <column>     forecasting: the column naming each series of a panel (default: detected)
  --budget <time>          wall-clock budget, e.g. 180, 90s, 3m (default 3m)
  --max-experiments <n>    stop after this many experiments (default 100)
  --seed <n>               seed for the holdout split and the models (default 42)
  --name <name>            registry name of the model (default: file and target)
  --sheet <name>           an Excel workbook's sheet to read (default: the first with data)
  --brain <llm|heuristic>  who decides (default: llm when OPENAI_API_KEY or OPENAI_BASE_URL is set)
  --resume <run-id>        continue a run that was interrupted
  --json                   print events as JSON lines instead of the transcript
  --kind <kind>            model (default) | analysis (a report, as \`ouro analyze\`); \`ouro submit\`
                           without --kind lets the goal decide (docs/architecture.md, "Analysis reports")
`;

export function limitsFromConfig(config: Config): SandboxLimits {
  return {
    ...DEFAULT_LIMITS,
    memoryMb: config.OURO_SANDBOX_MEMORY_MB,
    pids: config.OURO_SANDBOX_PIDS,
    cpus: config.OURO_SANDBOX_CPUS,
    outputCapBytes: config.OURO_OUTPUT_CAP_KB * 1024,
  };
}

function usageError(message: string): never {
  throw new OuroError('config_invalid', `${message}\n\n${RUN_USAGE}`);
}

/** Where the uploaded file goes in the store: beside the run for local runs, `uploads/` for queued ones. */
export type UploadKey = (runId: string, filename: string) => string;

const localUploadKey: UploadKey = (runId, filename) => join('runs', runId, 'input', filename);

export async function buildRequest(
  args: string[],
  config: Config,
  uploadKey: UploadKey = localUploadKey,
  extraOptions: Record<string, { type: 'string' | 'boolean' }> = {},
): Promise<{ request: RunRequest; resumed: boolean }> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...extraOptions,
      target: { type: 'string' },
      metric: { type: 'string' },
      budget: { type: 'string' },
      'max-experiments': { type: 'string' },
      seed: { type: 'string' },
      horizon: { type: 'string' },
      'date-column': { type: 'string' },
      'id-column': { type: 'string' },
      name: { type: 'string' },
      sheet: { type: 'string' },
      brain: { type: 'string' },
      resume: { type: 'string' },
      json: { type: 'boolean' },
      yes: { type: 'boolean' },
      'deploy-anyway': { type: 'boolean' },
      'no-serve': { type: 'boolean' },
      kind: { type: 'string' },
    },
  });

  if (values.resume !== undefined) {
    const journal = await readJsonIfExists(runPaths(config.OURO_HOME, values.resume).journal, JournalSchema);
    if (journal === null)
      throw new OuroError('run_not_found', `No run "${values.resume}" in ${config.OURO_HOME}/runs.`);
    if (journal.status === 'succeeded')
      throw new OuroError(
        'run_failed',
        `Run ${values.resume} already finished; its model is in the registry.`,
      );
    return { request: journal.request, resumed: true };
  }

  const [file, ...goalWords] = positionals;
  const goal = goalWords.join(' ').trim();
  if (file === undefined) usageError('Missing the data file.');
  if (goal.length === 0) usageError('Missing the goal, e.g. "predict churn".');
  const path = resolve(file);
  const info = await stat(path).catch(() => null);
  if (info === null || !info.isFile())
    throw new OuroError('input_missing', `Cannot read ${file}: no such file.`);

  const budget = values.budget === undefined ? 180 : parseDurationSeconds(values.budget);
  if (budget === null || budget <= 0)
    usageError(`--budget "${values.budget}" is not a duration (try 180, 90s or 3m).`);
  const int = (flag: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) usageError(`--${flag} must be a whole number, got "${v}".`);
    return n;
  };
  const metric =
    values.metric === undefined ? undefined : MetricSchema.safeParse(values.metric.toLowerCase());
  if (metric !== undefined && !metric.success)
    usageError(`--metric "${values.metric}" is not one of ${MetricSchema.options.join(', ')}.`);
  const brain = BrainKindSchema.safeParse(values.brain ?? defaultBrainKind(config));
  if (!brain.success)
    usageError(`--brain "${values.brain}" is not one of ${BrainKindSchema.options.join(', ')}.`);

  const kind = values.kind === undefined ? undefined : parseWorkKind(values.kind);
  if (kind === null)
    usageError(`--kind "${values.kind}" is not one of model, forecast, analysis, synthesize.`);
  const runId = newRunId();
  // A copy in the store, so the run stays reproducible and resumable even if the original changes.
  const ref = uploadKey(runId, basename(path));
  await (await createArtifactStore(config)).putFile(ref, path);
  const parsed = RunRequestSchema.safeParse({
    runId,
    dataset: { ref, filename: basename(path) },
    goal,
    options: {
      ...(values.target !== undefined ? { target: values.target } : {}),
      ...(values.yes === true ? { assumeYes: true } : {}),
      ...(values['deploy-anyway'] === true ? { deployAnyway: true } : {}),
      ...(metric?.success ? { metric: metric.data } : {}),
      budgetSeconds: budget,
      ...(int('max-experiments', values['max-experiments']) !== undefined
        ? { maxExperiments: int('max-experiments', values['max-experiments']) }
        : {}),
      ...(int('seed', values.seed) !== undefined ? { seed: int('seed', values.seed) } : {}),
      ...(values.name !== undefined ? { name: values.name } : {}),
      ...(values.sheet !== undefined ? { sheet: values.sheet } : {}),
      ...(int('horizon', values.horizon) !== undefined ? { horizon: int('horizon', values.horizon) } : {}),
      ...(values['date-column'] !== undefined ? { dateColumn: values['date-column'] } : {}),
      ...(values['id-column'] !== undefined ? { idColumn: values['id-column'] } : {}),
      brain: brain.data,
    },
    origin: { platform: 'terminal' },
    ...(kind !== undefined ? { kind } : {}),
  });
  if (!parsed.success)
    usageError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return { request: parsed.data, resumed: false };
}

export interface RunCommandResult {
  outcome: RunOutcome;
  json: boolean;
}

export async function runCommand(args: string[], config: Config, logger: Logger): Promise<RunCommandResult> {
  const json = args.includes('--json');
  const { request } = await buildRequest(args, config);
  const paths = runPaths(config.OURO_HOME, request.runId);
  const driver = createSandboxDriver(config);
  const events = new FileEventLog(paths.events, request.runId);
  const style = process.stdout.isTTY && !process.env.NO_COLOR ? ANSI : PLAIN;
  // The model's key is shown once, here, and never stored in the run's events.
  let deployment: DeployResult | undefined;
  events.onEvent((e) => {
    const shown = e.type === 'deployed' && deployment?.key !== undefined ? { ...e, key: deployment.key } : e;
    if (json) process.stdout.write(JSON.stringify(shown) + '\n');
    else for (const line of renderEvent(shown, style)) process.stdout.write(line + '\n');
    if (!json && e.type === 'deployed' && deployment !== undefined) {
      if (deployment.key !== undefined)
        process.stdout.write(
          style.dim('  (the key is shown once; `ouro models key rotate ' + e.name + '` makes a new one)') +
            '\n',
        );
      process.stdout.write(
        `  page: ${deployment.pageUrl}\n  try it:\n    ${deployment.curl.split('\n').join('\n    ')}\n`,
      );
      if (!deployment.ready) process.stdout.write(style.yellow(`  note: ${deployment.note}`) + '\n');
    }
  });
  const serve = !args.includes('--no-serve');
  const deploy = async (card: ModelCard) => {
    if (!serve) return null;
    deployment = await deployModel({ config, name: card.name, version: card.version });
    return { url: deployment.url };
  };
  if (!json) process.stdout.write(style.dim(`sandbox: ${driver.describe()}`) + '\n');

  // First Ctrl-C: stop gracefully and keep the best model so far; second: leave at once.
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nStopping after the current step (Ctrl-C again to quit now)…\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const outcome = await runLoop(request, {
      config,
      driver,
      brain: createBrain(request.options.brain, { config, events, paths }),
      events,
      logger,
      limits: limitsFromConfig(config),
      store: await createArtifactStore(config),
      deploy,
      signal: controller.signal,
    });
    if (!json) {
      if (outcome.card !== null) {
        const script = join(
          versionDir(config.OURO_HOME, outcome.card.name, outcome.card.version),
          outcome.card.script,
        );
        process.stdout.write(`winning script: ${script}\n`);
        const route = taskTraits(outcome.card.task).route;
        if (!serve)
          process.stdout.write(
            style.dim(`serve it with: ouro serve   (then POST /v1/models/${outcome.card.name}/${route})`) +
              '\n',
          );
      }
      process.stdout.write(style.dim(`run folder: ${paths.root}`) + '\n');
      if (outcome.status === 'failed')
        process.stdout.write(style.dim(`resume with: ouro run --resume ${request.runId}`) + '\n');
    }
    // The question's answer is a new run with --target: print the exact command (stderr under --json, whose stdout is events only).
    if (outcome.status === 'needs_input')
      (json ? process.stderr : process.stdout).write(answerHint(args, outcome));
    return { outcome, json };
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** A shell word, quoted only when it needs to be. */
function shellWord(w: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(w) ? w : `'${w.replace(/'/g, "'\\''")}'`;
}

/** What to type to answer the run's question: the same command with --target, per candidate. */
export function answerHint(args: readonly string[], outcome: RunOutcome): string {
  const base = `ouro run ${args
    .filter((a) => a !== '--yes')
    .map(shellWord)
    .join(' ')}`;
  const candidates = outcome.question?.candidates ?? [];
  const lines =
    candidates.length > 0
      ? candidates.map((c) => `  ${base} --target ${shellWord(c.column)}`)
      : [`  ${base} --target <column>`];
  return `Nothing was trained: ${outcome.question?.message ?? 'the goal does not say which column to predict.'}\nRun again with the column you mean:\n${lines.join('\n')}\nor add --yes to let ouro take its best candidate${candidates[0] ? ` ("${candidates[0].column}")` : ''}.\n`;
}
