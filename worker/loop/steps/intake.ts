import type { RunPaths } from '../../../core/run-paths.ts';
import type { RunRequest } from '../../../core/schemas/run-request.ts';
import { inputPath as uploadPath } from '../../inspect-upload.ts';
import type { RunContext } from '../loop-types.ts';

/** The run's own copy of the uploaded file. */
export function inputPath(paths: RunPaths, request: RunRequest): string {
  return uploadPath(paths, request.dataset.filename);
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
