import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { OuroError } from '../../../core/errors.ts';
import type { RunPaths } from '../../../core/run-paths.ts';
import type { RunRequest } from '../../../core/schemas/run-request.ts';
import { pathExists as exists } from '../../../core/store/path-exists.ts';
import type { RunContext } from '../loop-types.ts';

/** The run's own copy of the uploaded file. */
export function inputPath(paths: RunPaths, request: RunRequest): string {
  return join(paths.input, basename(request.dataset.filename));
}

/** Says the run began (or resumed), and warns every run when the sandbox is weakly isolated. */
export async function announce(run: RunContext): Promise<void> {
  const { journal, request, deps, emit } = run;
  if (!run.resumed)
    await emit({
      type: 'accepted',
      goal: request.goal,
      file: request.dataset.filename,
      budgetSeconds: request.options.budgetSeconds,
    });
  else
    await emit({
      type: 'note',
      level: 'info',
      message: `Resuming: ${journal.nodes.filter((n) => n.status !== 'running').length} finished experiment(s) are kept and not re-run.`,
    });
  if (!deps.driver.isolated) {
    // The operator chose OURO_SANDBOX_ISOLATION=weak on a host without namespaces: say it every run.
    await emit({
      type: 'note',
      level: 'warn',
      message: `Weak isolation: this run's generated code runs without network or filesystem namespaces (${deps.driver.describe()}). The operator set OURO_SANDBOX_ISOLATION=weak; see docs/security.md.`,
    });
  }
}

/**
 * Intake: the uploaded file into the run folder, from the artifact store when it is not there
 * yet. The size cap is checked with `stat`; Node never reads the file itself (the harness's
 * `inspect` step parses it inside the sandbox). Returns the local path and the cap in bytes.
 */
export async function takeInput(run: RunContext): Promise<{ local: string; capBytes: number }> {
  const { paths, request, deps } = run;
  const local = inputPath(paths, request);
  if (!(await exists(local))) {
    await deps.store.getFile(request.dataset.ref, local).catch((err: unknown) => {
      throw new OuroError(
        'input_missing',
        `Cannot fetch ${request.dataset.filename} from the artifact store (${(err as Error).message}).`,
      );
    });
  }
  const info = await stat(local).catch(() => null);
  if (info === null)
    throw new OuroError('input_missing', `Cannot read ${request.dataset.filename}: the file is not there.`);
  const capBytes = deps.config.OURO_MAX_UPLOAD_MB * 1024 * 1024;
  if (info.size > capBytes) {
    throw new OuroError(
      'input_too_large',
      `${request.dataset.filename} is ${(info.size / 1024 / 1024).toFixed(0)} MB; the limit is ${deps.config.OURO_MAX_UPLOAD_MB} MB (OURO_MAX_UPLOAD_MB). Sample the rows or raise the limit.`,
    );
  }
  return { local, capBytes };
}
