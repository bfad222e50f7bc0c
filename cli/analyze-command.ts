import { join } from 'node:path';
import { ANSI, PLAIN, renderEvent } from '../bot/terminal/render-terminal.ts';
import type { Config } from '../core/config.ts';
import { FileEventLog } from '../core/events/event-log.ts';
import type { Logger } from '../core/logger.ts';
import { runPaths } from '../core/run-paths.ts';
import { createArtifactStore } from '../core/store/create-store.ts';
import { createSandboxDriver } from '../sandbox/create-driver.ts';
import { createAnalyst } from '../worker/analysis/create-analyst.ts';
import { runAnalysisLoop, type AnalysisOutcome } from '../worker/analysis/analysis-loop.ts';
import { buildRequest, limitsFromConfig } from './run-command.ts';
import { ensureBackgroundServer } from '../deploy/background-server.ts';

export const ANALYZE_USAGE = `Usage: ouro analyze <file> "<question>" [options]

Answers a question about a table with a report ("what drives churn?", "churn rate by contract",
"how did sales change by region?", or just "analyze this"): each analysis a script run in the
sandbox, every number in the report backed by its findings.json. The report is served by
\`ouro serve\` at /reports/<id> (Markdown, HTML, PDF).

Options:
  --target <column>        the column the question is about (default: read from the question)
  --budget <time>          wall-clock budget, e.g. 90, 90s, 2m (default 90 s)
  --seed <n>               seed of every sample and resample (default 42)
  --brain <llm|heuristic>  who analyses (default: llm when OPENAI_API_KEY or OPENAI_BASE_URL is set)
  --no-serve               do not start \`ouro serve\` for the report's link
  --json                   print events as JSON lines (the last is report.published)
`;

export async function analyzeCommand(
  args: string[],
  config: Config,
  logger: Logger,
): Promise<AnalysisOutcome> {
  const json = args.includes('--json');
  const withBudget = args.some((a) => a === '--budget' || a.startsWith('--budget='))
    ? args
    : [...args, '--budget', '90'];
  // A bare `ouro analyze file.csv` is "analyze this".
  const positionals = withBudget.filter(
    (a, i) =>
      !a.startsWith('--') && !(i > 0 && /^--(budget|seed|target|brain|name)$/.test(withBudget[i - 1]!)),
  );
  const full = positionals.length === 1 ? [...withBudget, 'analyze this'] : withBudget;
  const { request } = await buildRequest(full, config);
  request.kind = 'analysis';
  const paths = runPaths(config.OURO_HOME, request.runId);
  const events = new FileEventLog(paths.events, request.runId);
  const style = process.stdout.isTTY && !process.env.NO_COLOR ? ANSI : PLAIN;
  events.onEvent((e) => {
    if (json) process.stdout.write(JSON.stringify(e) + '\n');
    else for (const line of renderEvent(e, style)) process.stdout.write(line + '\n');
  });
  let publicUrl: string | null = config.OURO_PUBLIC_URL ?? null;
  if (!args.includes('--no-serve') && publicUrl === null) {
    // The link in the report should answer: the same background server that serves models.
    const { state } = await ensureBackgroundServer(config).catch(() => ({ state: null }));
    publicUrl = state?.url ?? null;
  }
  const controller = new AbortController();
  const onSigint = () => (controller.signal.aborted ? process.exit(130) : controller.abort());
  process.on('SIGINT', onSigint);
  try {
    const driver = createSandboxDriver(config);
    const outcome = await runAnalysisLoop(request, {
      config,
      driver,
      analyst: createAnalyst(request.options.brain, { config, events }),
      events,
      logger,
      limits: limitsFromConfig(config),
      store: await createArtifactStore(config),
      signal: controller.signal,
      publicUrl,
    });
    if (!json)
      process.stdout.write(
        style.dim(
          `run folder: ${paths.root}${outcome.reportDir ? `\nreport folder: ${outcome.reportDir} (report.md, report.html, report.pdf when Chromium printed it, findings.json; each script under analyses/)` : ''}`,
        ) + '\n',
      );
    return outcome;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** The report folder's findings.json (the ledger). */
export function findingsPath(dir: string): string {
  return join(dir, 'findings.json');
}
