import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { OuroError } from '../../core/errors.ts';
import { looksOutOfMemory, type SandboxResult, type SandboxRunSpec } from '../driver.ts';
import { CappedOutput } from './output-cap.ts';
import { killGroup, live, SIGNAL_NAMES, track } from './process-groups.ts';

/**
 * One sandboxed command run to its exit (the process driver's run(), sandbox/process/
 * process-driver.ts): output capped, a timeout and an abort kill the whole process group.
 */

/** Grace for pipes to drain after the main process exits and its group is killed. */
const DRAIN_GRACE_MS = 300;
/** setTimeout's ceiling (about 24.8 days); longer would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** `isolated`: the command runs under bwrap, which reports a death by signal N as exit 128+N. */
export async function runToExit(
  argv: string[],
  env: Record<string, string>,
  cwd: string,
  spec: SandboxRunSpec,
  isolated: boolean,
): Promise<SandboxResult> {
  const stdout = new CappedOutput(spec.limits.outputCapBytes);
  const stderr = new CappedOutput(spec.limits.outputCapBytes);
  let child: ChildProcess;
  const started = performance.now();
  try {
    child = spawn(argv[0]!, argv.slice(1), { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    throw new OuroError('sandbox_unavailable', `Could not start the sandbox: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const closed = once(child, 'close').catch(() => undefined);
  child.stdout!.on('data', (c: Buffer) => stdout.push(c));
  child.stderr!.on('data', (c: Buffer) => stderr.push(c));
  const pid = child.pid;

  let timedOut = false;
  let cancelled = false;
  const killedByUs = () => timedOut || cancelled;
  const kill = () => {
    if (pid !== undefined) killGroup(pid);
  };
  if (pid !== undefined) track(pid);
  const timer = setTimeout(
    () => {
      timedOut = true;
      kill();
    },
    Math.min(Math.max(0, spec.timeoutMs), MAX_TIMER_MS),
  );
  const onAbort = () => {
    if (!timedOut) cancelled = true;
    kill();
  };
  spec.signal?.addEventListener('abort', onAbort, { once: true });
  if (spec.signal?.aborted) onAbort(); // aborted while the mounts were being prepared

  let code: number | null;
  let sig: NodeJS.Signals | null;
  try {
    [code, sig] = await exited;
  } catch (err) {
    throw new OuroError(
      'sandbox_unavailable',
      `Could not start the sandbox (${argv[0]}): ${(err as Error).message}`,
      { cause: err },
    );
  } finally {
    clearTimeout(timer);
    spec.signal?.removeEventListener('abort', onAbort);
    // Whatever the command left behind in its group (daemons included) goes with it; with
    // bwrap the pid namespace is already gone once its init exits.
    kill();
    if (pid !== undefined) live.delete(pid);
  }
  // Let the pipes drain; a descendant that escaped the group (only possible without bwrap)
  // would hold them open, so stop listening after a grace.
  const grace = new Promise<void>((resolve) => setTimeout(resolve, DRAIN_GRACE_MS).unref());
  await Promise.race([closed, grace]);
  child.stdout!.destroy();
  child.stderr!.destroy();

  let signal: string | null = sig;
  let exitCode: number | null = code;
  // bwrap reports a command killed by signal N as exit 128+N.
  if (isolated && sig === null && code !== null && code > 128 && SIGNAL_NAMES.has(code - 128)) {
    signal = SIGNAL_NAMES.get(code - 128)!;
    exitCode = null;
  }
  const stderrText = stderr.toString();
  const oomKilled = looksOutOfMemory({ exitCode, signal, stderr: stderrText, killedByHost: killedByUs() });
  return {
    exitCode,
    signal,
    stdout: stdout.toString(),
    stderr: stderrText,
    stdoutTruncated: stdout.truncated,
    stderrTruncated: stderr.truncated,
    timedOut,
    oomKilled,
    cancelled,
    durationMs: Math.round(performance.now() - started),
  };
}
