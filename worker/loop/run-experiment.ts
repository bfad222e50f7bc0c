import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { checkUntrustedFile, checkUntrustedTree, writeHostFile } from '../../core/untrusted-files.ts';
import type { SandboxDriver, SandboxLimits, SandboxResult } from '../../sandbox/driver.ts';
import type { CrashEvidence } from '../diagnosis/classify-crash.ts';

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
  await writeHostFile(join(opts.dir, 'train.py'), opts.script, { root: opts.dir });
  const result = await opts.driver.run({
    command: ['python', 'train.py'],
    cwd: opts.dir,
    mounts: [{ path: opts.workspace }, { path: opts.dir, writable: true }],
    limits: opts.limits,
    timeoutMs: opts.timeoutMs,
    env: { OURO_DATA_DIR: opts.workspace },
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  // The folder was the sandbox's: stdout.txt may now be a link to any host file. writeHostFile
  // replaces whatever is there instead of writing through it (docs/architecture.md, trust boundary).
  await writeHostFile(join(opts.dir, 'stdout.txt'), result.stdout, { root: opts.dir });
  await writeHostFile(join(opts.dir, 'stderr.txt'), result.stderr, { root: opts.dir });
  const missingOutputs: string[] = [];
  const refusedOutputs: string[] = [];
  // The model folder is what the registry will copy and a server will load: no links anywhere in it.
  const model = await checkUntrustedTree(join(opts.dir, 'model'), { root: opts.dir });
  if (model !== 'ok' && model !== 'missing') refusedOutputs.push(model.message);
  for (const [file, shown] of [
    ['model/signature.json', 'model/'],
    ['metrics.json', 'metrics.json'],
  ] as const) {
    const state = await checkUntrustedFile(join(opts.dir, ...file.split('/')), { root: opts.dir });
    if (state === 'missing') missingOutputs.push(shown);
    else if (state !== 'ok' && !refusedOutputs.includes(state.message)) refusedOutputs.push(state.message);
  }
  return {
    result,
    complete: result.exitCode === 0 && missingOutputs.length === 0 && refusedOutputs.length === 0,
    evidence: {
      exitCode: result.exitCode,
      timedOut: result.timedOut,
      oomKilled: result.oomKilled,
      stderr: result.stderr,
      missingOutputs,
      refusedOutputs,
    },
  };
}
