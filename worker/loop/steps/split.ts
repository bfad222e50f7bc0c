import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TargetAnalysisSchema, type TargetAnalysis } from '../../../core/schemas/profile.ts';
import { readJson } from '../../../core/store/json-file.ts';
import { pathExists as exists } from '../../../core/store/path-exists.ts';
import { copyUntrustedFile, UNTRUSTED_CAPS } from '../../../core/untrusted-files.ts';
import type { GoalUnderstanding } from '../../intake/understand-goal.ts';
import type { TaskKind } from '../../kinds/task-kind.ts';
import { runTrustedStep } from '../../sandbox-steps.ts';
import type { RunContext } from '../loop-types.ts';

/**
 * The split (trusted harness step): the kind says how the holdout is chosen (a seeded 20 %,
 * the last horizon of every series). The holdout's features go to `holdout/`; its labels are
 * moved by the host into `vault/` (mode 0700, never mounted in any sandbox). Done once.
 */
export async function splitHoldout(
  run: RunContext,
  understood: GoalUnderstanding,
  kind: TaskKind,
): Promise<TargetAnalysis> {
  const { paths, request, deps } = run;
  const { target, task, metric } = understood;
  if (!(await exists(paths.analysis))) {
    const staging = join(paths.prep, 'vault-staging');
    await rm(staging, { recursive: true, force: true });
    for (const dir of [paths.workspace, paths.holdout, staging])
      await mkdir(dir, { recursive: true, mode: 0o755 });
    await runTrustedStep({
      driver: deps.driver,
      limits: deps.limits,
      args: [
        'split',
        '--table',
        paths.table,
        '--profile',
        paths.profile,
        '--target',
        target,
        '--task',
        task,
        '--metric',
        metric,
        '--seed',
        String(request.options.seed),
        ...kind.splitArgs(understood),
        '--workspace',
        paths.workspace,
        '--holdout',
        paths.holdout,
        '--vault',
        staging,
      ],
      cwd: paths.prep,
      mounts: [
        { path: paths.prep },
        { path: paths.workspace, writable: true },
        { path: paths.holdout, writable: true },
        { path: staging, writable: true },
      ],
      timeoutMs: Math.max(120_000, deps.config.OURO_EXPERIMENT_TIMEOUT_S * 1000),
      ...(deps.signal ? { signal: deps.signal } : {}),
      doing: 'splitting off the holdout',
    });
    // The vault is owner-only and never mounted into a sandbox: labels stay on the host.
    await mkdir(paths.vault, { recursive: true, mode: 0o700 });
    // Copied, not renamed: the staging folder was writable in the sandbox (docs/architecture.md, trust boundary).
    await rm(paths.labels, { force: true });
    await copyUntrustedFile(join(staging, 'labels.json'), paths.labels, {
      root: staging,
      maxBytes: UNTRUSTED_CAPS.predictions,
    });
    await rm(join(paths.vault, 'analysis.tmp.json'), { force: true });
    await copyUntrustedFile(join(staging, 'analysis.json'), join(paths.vault, 'analysis.tmp.json'), {
      root: staging,
    });
    await rm(staging, { recursive: true, force: true });
    await rename(join(paths.vault, 'analysis.tmp.json'), paths.analysis);
  }
  return readJson(paths.analysis, TargetAnalysisSchema);
}
