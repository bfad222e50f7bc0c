import { OuroError } from '../core/errors.ts';
import { InputErrorCodeSchema, type InputErrorCode } from '../core/schemas/vocabulary.ts';
import type { SandboxDriver, SandboxLimits, SandboxResult, Mount } from '../sandbox/driver.ts';

const INPUT_ERROR = /OURO_INPUT_ERROR (\w+): (.*)/;
/** The harness's input error codes: one list, shared with Python (core/schemas/vocabulary.ts). */
const KNOWN_INPUT_CODES: ReadonlySet<string> = new Set<InputErrorCode>(InputErrorCodeSchema.options);

export interface TrustedStep {
  driver: SandboxDriver;
  limits: SandboxLimits;
  args: string[];
  cwd: string;
  mounts: Mount[];
  timeoutMs: number;
  signal?: AbortSignal;
  /** What the step is, for error messages ("reading the file", "splitting the data"). */
  doing: string;
}

/**
 * Runs one of ouro's own harness commands in the sandbox. Input problems the harness reports
 * (`OURO_INPUT_ERROR code: message`) become OuroErrors with that message; anything else is a
 * failure of ouro itself and says so.
 */
export async function runTrustedStep(step: TrustedStep): Promise<SandboxResult> {
  const result = await step.driver.run({
    command: ['python', '-m', 'ouro_harness', ...step.args],
    cwd: step.cwd,
    mounts: step.mounts,
    limits: step.limits,
    timeoutMs: step.timeoutMs,
    ...(step.signal ? { signal: step.signal } : {}),
  });
  if (result.exitCode === 0) return result;
  if (result.cancelled) throw new OuroError('run_failed', `Cancelled while ${step.doing}.`);
  const m = result.stderr.match(INPUT_ERROR);
  if (m !== null && KNOWN_INPUT_CODES.has(m[1]!)) {
    throw new OuroError(m[1] as InputErrorCode, m[2]!.trim());
  }
  if (result.timedOut)
    throw new OuroError(
      'run_failed',
      `Timed out after ${Math.round(step.timeoutMs / 1000)} s while ${step.doing}. The file may be too large for this machine's limits.`,
    );
  if (result.oomKilled)
    throw new OuroError(
      'input_too_large',
      `Ran out of memory while ${step.doing} (limit ${step.limits.memoryMb} MB). Raise OURO_SANDBOX_MEMORY_MB or upload a smaller file.`,
    );
  const tail = result.stderr.trim().split('\n').slice(-3).join(' | ');
  throw new OuroError(
    'internal',
    `ouro failed while ${step.doing} (exit ${result.exitCode ?? result.signal}): ${tail}`,
  );
}
