import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SandboxDriver, SandboxLimits, SandboxResult } from '../../sandbox/driver.ts';
import type { CrashEvidence } from '../diagnosis/classify-crash.ts';
import { pathExists as exists } from '../../core/store/path-exists.ts';

export interface ExperimentRun {
  result: SandboxResult;
  evidence: CrashEvidence;
  /** True when the folder holds everything the experiment contract asks for. */
  complete: boolean;
}


/**
 * Runs one experiment folder's `train.py` in the sandbox: the training split read-only, the
 * folder itself the only writable place, no holdout and no vault anywhere in sight.
 */
export async function runExperiment(opts: {
  driver: SandboxDriver;
  limits: SandboxLimits;
  dir: string;
  script: string;
  workspace: string;
  timeoutMs: number;
  signal?: AbortSignal;
}): Promise<ExperimentRun> {
  await mkdir(opts.dir, { recursive: true, mode: 0o755 });
  await writeFile(join(opts.dir, 'train.py'), opts.script, { mode: 0o644 });
  const result = await opts.driver.run({
    command: ['python', 'train.py'],
    cwd: opts.dir,
    mounts: [{ path: opts.workspace }, { path: opts.dir, writable: true }],
    limits: opts.limits,
    timeoutMs: opts.timeoutMs,
    env: { OURO_DATA_DIR: opts.workspace },
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  await writeFile(join(opts.dir, 'stdout.txt'), result.stdout);
  await writeFile(join(opts.dir, 'stderr.txt'), result.stderr);
  const missingOutputs: string[] = [];
  if (!(await exists(join(opts.dir, 'model', 'signature.json')))) missingOutputs.push('model/');
  if (!(await exists(join(opts.dir, 'metrics.json')))) missingOutputs.push('metrics.json');
  return {
    result,
    complete: result.exitCode === 0 && missingOutputs.length === 0,
    evidence: {
      exitCode: result.exitCode,
      timedOut: result.timedOut,
      oomKilled: result.oomKilled,
      stderr: result.stderr,
      missingOutputs,
    },
  };
}
