import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunEventInput } from '../../core/schemas/events.ts';
import type { RunPaths } from '../../core/run-paths.ts';
import type { TargetAnalysis } from '../../core/schemas/profile.ts';
import { isBetter, type Metric } from '../../core/schemas/task.ts';
import type { ArtifactStore } from '../../core/store/artifact-store.ts';
import { readStorePointer, registryKeys } from '../../core/store/store-registry.ts';
import { downloadFolder } from '../../core/store/sync-folder.ts';
import type { SandboxDriver, SandboxLimits } from '../../sandbox/driver.ts';
import { validateOnHoldout } from './validate-holdout.ts';

export interface ChallengeOutcome {
  /** The challenger becomes the served version. */
  promoted: boolean;
  event: Extract<RunEventInput, { type: 'challenged' }>;
}

/**
 * A follow-up run against the model it challenges (docs/architecture.md, "Follow-ups in a
 * run's thread"). The champion's served version is copied from the registry into this run's
 * folder and scored on this run's holdout exactly as the challenger was: it predicts in a
 * fresh sandbox from the holdout's features, the labels stay in the vault, the metric is
 * computed on the host. The challenger is promoted only when it scores strictly better; a
 * champion that cannot predict the new data (columns gone, a model that fails) cannot defend.
 * Null when the champion has no served version (it was deleted): the run publishes as usual.
 */
export async function challengeChampion(o: {
  name: string;
  challengerScore: number;
  metric: Metric;
  store: ArtifactStore;
  driver: SandboxDriver;
  limits: SandboxLimits;
  paths: RunPaths;
  analysis: TargetAnalysis;
  timeoutMs: number;
}): Promise<ChallengeOutcome | null> {
  const version = await readStorePointer(o.store, o.name).catch(() => null);
  if (version === null) return null;
  const dir = join(o.paths.root, 'champion');
  await rm(dir, { recursive: true, force: true });
  let score: number | null = null;
  let why: string | undefined;
  try {
    // The registry's copy of the model: written through the trust boundary when it was
    // published, and loaded only inside the sandbox here, as the server's workers load it.
    if (
      (await downloadFolder(
        o.store,
        `${registryKeys.version(o.name, version)}model/`,
        join(dir, 'model'),
      )) === 0
    )
      throw new Error(`version ${version} has no model files`);
    const scores = await validateOnHoldout({
      driver: o.driver,
      limits: o.limits,
      paths: o.paths,
      modelDir: join(dir, 'model'),
      analysis: o.analysis,
      metric: o.metric,
      timeoutMs: o.timeoutMs,
    });
    score = scores.score;
  } catch (err) {
    why = (err as Error).message.split('\n')[0]!.slice(0, 300);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const promoted = score === null || isBetter(o.metric, o.challengerScore, score);
  return {
    promoted,
    event: {
      type: 'challenged',
      name: o.name,
      metric: o.metric,
      champion: { version, score, ...(why !== undefined ? { why } : {}) },
      challenger: { score: o.challengerScore },
      promoted,
    },
  };
}
