import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TargetAnalysisSchema, type TargetAnalysis } from '../../../core/schemas/profile.ts';
import { readJson } from '../../../core/store/json-file.ts';
import { pathExists as exists } from '../../../core/store/path-exists.ts';
import { copyUntrustedFile } from '../../../core/untrusted-files.ts';
import type { GoalUnderstanding } from '../../intake/understand-goal.ts';
import type { TaskKind } from '../../kinds/task-kind.ts';
import { runVaultedSplit } from '../../vaulted-split.ts';
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
    await runVaultedSplit({
      driver: deps.driver,
      limits: deps.limits,
      paths,
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
      ],
      timeoutMs: Math.max(120_000, deps.config.OURO_EXPERIMENT_TIMEOUT_S * 1000),
      ...(deps.signal ? { signal: deps.signal } : {}),
      fromStaging: async (staging) => {
        await rm(join(paths.vault, 'analysis.tmp.json'), { force: true });
        await copyUntrustedFile(join(staging, 'analysis.json'), join(paths.vault, 'analysis.tmp.json'), {
          root: staging,
        });
      },
    });
    await rename(join(paths.vault, 'analysis.tmp.json'), paths.analysis);
  }
  return readJson(paths.analysis, TargetAnalysisSchema);
}
