import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  checkUntrustedFile,
  readUntrustedJson,
  UntrustedFileError,
  writeHostFile,
} from '../../core/untrusted-files.ts';
import type { SandboxDriver, SandboxLimits, SandboxResult } from '../../sandbox/driver.ts';
import type { CrashEvidence } from '../diagnosis/classify-crash.ts';
import { FindingsFileSchema, type FindingsFile } from './findings-ledger.ts';

export interface AnalysisRun {
  result: SandboxResult;
  evidence: CrashEvidence;
  /** Read through the trust boundary; null when the run failed or its output was refused. */
  findings: FindingsFile | null;
}

/**
 * Runs one analysis folder's `analysis.py` in the sandbox: the run's table and profile
 * read-only, the folder itself the only writable place (docs/architecture.md, "Analysis
 * reports"). Its findings.json is read through core/untrusted-files.ts; a chart it names must
 * be a plain file in its folder, or the run counts as failed (class `contract`).
 */
export async function runAnalysis(opts: {
  driver: SandboxDriver;
  limits: SandboxLimits;
  dir: string;
  script: string;
  prep: string;
  timeoutMs: number;
  signal?: AbortSignal;
}): Promise<AnalysisRun> {
  await rm(opts.dir, { recursive: true, force: true });
  await mkdir(opts.dir, { recursive: true, mode: 0o755 });
  await writeHostFile(join(opts.dir, 'analysis.py'), opts.script, { root: opts.dir });
  const result = await opts.driver.run({
    command: ['python', 'analysis.py'],
    cwd: opts.dir,
    mounts: [{ path: opts.prep }, { path: opts.dir, writable: true }],
    limits: opts.limits,
    timeoutMs: opts.timeoutMs,
    // One thread per library: the analyses fit small models, where threads only contend.
    env: {
      OURO_TABLE: join(opts.prep, 'table.parquet'),
      OURO_PROFILE: join(opts.prep, 'profile.json'),
      OMP_NUM_THREADS: '1',
      OPENBLAS_NUM_THREADS: '1',
      MKL_NUM_THREADS: '1',
    },
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  await writeHostFile(join(opts.dir, 'stdout.txt'), result.stdout, { root: opts.dir });
  await writeHostFile(join(opts.dir, 'stderr.txt'), result.stderr, { root: opts.dir });
  const evidence: CrashEvidence = {
    exitCode: result.exitCode,
    timedOut: result.timedOut,
    oomKilled: result.oomKilled,
    stderr: result.stderr,
    missingOutputs: [],
    refusedOutputs: [],
  };
  if (result.exitCode !== 0) return { result, evidence, findings: null };
  try {
    const findings = await readUntrustedJson(join(opts.dir, 'findings.json'), FindingsFileSchema, {
      root: opts.dir,
    });
    for (const chart of findings.charts) {
      for (const file of [chart.file, chart.table]) {
        const state = await checkUntrustedFile(join(opts.dir, ...file.split('/')), { root: opts.dir });
        if (state === 'missing') evidence.missingOutputs.push(file);
        else if (state !== 'ok') evidence.refusedOutputs!.push(state.message);
      }
    }
    if (evidence.missingOutputs.length > 0 || evidence.refusedOutputs!.length > 0)
      return { result, evidence, findings: null };
    return { result, evidence, findings };
  } catch (err) {
    if (!(err instanceof UntrustedFileError)) throw err;
    if (err.reason === 'missing') evidence.missingOutputs.push('findings.json');
    else evidence.refusedOutputs!.push(err.message);
    return { result, evidence, findings: null };
  }
}
