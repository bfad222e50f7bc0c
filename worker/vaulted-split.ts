import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunPaths } from '../core/run-paths.ts';
import { copyUntrustedFile, UNTRUSTED_CAPS } from '../core/untrusted-files.ts';
import type { SandboxDriver, SandboxLimits } from '../sandbox/driver.ts';
import { runTrustedStep } from './sandbox-steps.ts';

export interface VaultedSplit {
  driver: SandboxDriver;
  limits: SandboxLimits;
  paths: RunPaths;
  /** The harness command and its own arguments; the workspace, holdout and staging folders are added. */
  args: string[];
  timeoutMs: number;
  signal?: AbortSignal;
  /** Called with the staging folder before it is removed, to copy out what else the step wrote there. */
  fromStaging?: (staging: string) => Promise<void>;
}

/**
 * Runs a split step (model runs and synthesis alike): training rows to `workspace/`, holdout
 * features to `holdout/`, the holdout's labels into a staging folder that the host then copies
 * into `vault/` (mode 0700, never mounted in a sandbox). Copied, not renamed: the staging folder
 * was writable in the sandbox (docs/architecture.md, "The trust boundary").
 */
export async function runVaultedSplit(s: VaultedSplit): Promise<void> {
  const { paths } = s;
  const staging = join(paths.prep, 'vault-staging');
  await rm(staging, { recursive: true, force: true });
  for (const dir of [paths.workspace, paths.holdout, staging])
    await mkdir(dir, { recursive: true, mode: 0o755 });
  await runTrustedStep({
    driver: s.driver,
    limits: s.limits,
    args: [...s.args, '--workspace', paths.workspace, '--holdout', paths.holdout, '--vault', staging],
    cwd: paths.prep,
    mounts: [
      { path: paths.prep },
      { path: paths.workspace, writable: true },
      { path: paths.holdout, writable: true },
      { path: staging, writable: true },
    ],
    timeoutMs: s.timeoutMs,
    ...(s.signal ? { signal: s.signal } : {}),
    doing: 'splitting off the holdout',
  });
  await mkdir(paths.vault, { recursive: true, mode: 0o700 });
  await rm(paths.labels, { force: true });
  await copyUntrustedFile(join(staging, 'labels.json'), paths.labels, {
    root: staging,
    maxBytes: UNTRUSTED_CAPS.predictions,
  });
  await s.fromStaging?.(staging);
  await rm(staging, { recursive: true, force: true });
}
