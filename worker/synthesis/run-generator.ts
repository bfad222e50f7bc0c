import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventSink } from '../../core/events/event-log.ts';
import type { RunPaths } from '../../core/run-paths.ts';
import type { GeneratorTrial } from '../../core/schemas/data-card.ts';
import { checkUntrustedFile, UntrustedFileError, writeHostFile } from '../../core/untrusted-files.ts';
import type { Config } from '../../core/config.ts';
import type { SandboxDriver, SandboxLimits } from '../../sandbox/driver.ts';
import { classifyCrash } from '../diagnosis/classify-crash.ts';
import { generatorLabel, type GeneratorSpec } from './generators.ts';
import { judgeTable, type EvalTask, type JudgeResult } from './judge.ts';
import type { SynthPurpose } from './purpose.ts';

/**
 * One generator experiment: its generate.py runs in the sandbox with the real training rows
 * read-only and its own folder writable (no holdout, no vault); a crash is diagnosed like a
 * training script's (worker/diagnosis); a table is handed to the judge.
 */
export async function runGenerator(o: {
  config: Config;
  driver: SandboxDriver;
  limits: SandboxLimits;
  paths: RunPaths;
  spec: GeneratorSpec;
  script: string;
  purpose: SynthPurpose;
  task: EvalTask;
  metric: string;
  withBaseline: boolean;
  events: EventSink;
  signal?: AbortSignal;
}): Promise<{ trial: GeneratorTrial; result: JudgeResult | null; baseline: number | null }> {
  const dir = join(o.paths.experiments, o.spec.id);
  const started = performance.now();
  const trial: GeneratorTrial = {
    id: o.spec.id,
    family: o.spec.family,
    label: generatorLabel(o.spec),
    status: 'failed',
    score: null,
    utility: null,
    discriminatorAuc: null,
    dcrRatio: null,
    copiesDropped: null,
    seconds: 0,
  };
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await writeHostFile(join(dir, 'generate.py'), o.script, { root: dir });
  await o.events.emit({
    type: 'experiment.started',
    node: o.spec.id,
    parent: o.spec.parent ?? null,
    operator: o.spec.parent !== undefined ? 'improve' : 'draft',
    family: o.spec.family,
    hypothesis: `${generatorLabel(o.spec)}: ${o.spec.why}`,
    script: join(dir, 'generate.py'),
  });
  const timeoutMs = o.config.OURO_EXPERIMENT_TIMEOUT_S * 1000;
  const result = await o.driver.run({
    command: ['python', 'generate.py'],
    cwd: dir,
    mounts: [{ path: o.paths.workspace }, { path: dir, writable: true }],
    limits: o.limits,
    timeoutMs,
    env: { OURO_DATA_DIR: o.paths.workspace },
    ...(o.signal ? { signal: o.signal } : {}),
  });
  await writeHostFile(join(dir, 'stdout.txt'), result.stdout, { root: dir });
  await writeHostFile(join(dir, 'stderr.txt'), result.stderr, { root: dir });
  const state = await checkUntrustedFile(join(dir, 'synthetic.parquet'), { root: dir });
  const fail = async (diagnosis: ReturnType<typeof classifyCrash>) => {
    trial.seconds = (performance.now() - started) / 1000;
    trial.finding = `${diagnosis.class}: ${diagnosis.evidence.slice(0, 200)}`;
    await o.events.emit({
      type: 'experiment.failed',
      node: o.spec.id,
      family: o.spec.family,
      diagnosis,
      durationMs: performance.now() - started,
    });
    return { trial, result: null, baseline: null };
  };
  if (result.exitCode !== 0 || state !== 'ok') {
    return fail(
      classifyCrash({
        exitCode: result.exitCode,
        timedOut: result.timedOut,
        oomKilled: result.oomKilled,
        stderr: result.stderr,
        missingOutputs: state === 'missing' ? ['synthetic.parquet'] : [],
        refusedOutputs: state !== 'ok' && state !== 'missing' ? [state.message] : [],
      }),
    );
  }
  let judged: JudgeResult;
  try {
    judged = await judgeTable({
      driver: o.driver,
      limits: o.limits,
      paths: o.paths,
      expDir: dir,
      judgeDir: join(o.paths.root, 'judge', o.spec.id),
      purpose: o.purpose,
      task: o.task,
      metric: o.metric,
      withBaseline: o.withBaseline,
      timeoutMs: Math.max(120_000, timeoutMs),
      ...(o.signal ? { signal: o.signal } : {}),
    });
  } catch (err) {
    if (!(err instanceof UntrustedFileError)) throw err;
    return fail(
      classifyCrash({
        exitCode: 0,
        timedOut: false,
        oomKilled: false,
        stderr: '',
        missingOutputs: [],
        refusedOutputs: [err.message],
      }),
    );
  }
  trial.seconds = (performance.now() - started) / 1000;
  if (!judged.judgement.ok) {
    return fail({
      class: 'contract',
      evidence: judged.judgement.problem ?? 'the table could not be judged',
      fix: 'write every column of real.parquet through finish()',
    });
  }
  const j = judged.judgement;
  trial.status = 'succeeded';
  trial.discriminatorAuc = j.discriminatorAuc ?? null;
  trial.dcrRatio = j.dcrRatio ?? null;
  trial.copiesDropped = j.copiesDropped ?? null;
  return { trial, result: judged, baseline: judged.baseline };
}
