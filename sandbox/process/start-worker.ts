import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { OuroError } from '../../core/errors.ts';
import { looksOutOfMemory, type SandboxExit, type SandboxProcess, type SandboxStartSpec } from '../driver.ts';
import { CappedOutput } from './output-cap.ts';
import { killGroup, live, SIGNAL_NAMES, track } from './process-groups.ts';
import type { UidLease } from './sandbox-uids.ts';

/**
 * A long-running sandboxed process with piped stdin/stdout (the process driver's start(),
 * sandbox/process/process-driver.ts), spawned once the driver has planned it and lent it its
 * writable mounts. When it exits the mounts are handed back and the uid lease released.
 */
export async function startWorker(
  planned: { argv: string[]; env: Record<string, string>; cwd: string },
  spec: SandboxStartSpec,
  held: { isolated: boolean; handBack: () => Promise<void>; lease: UidLease },
): Promise<SandboxProcess> {
  const { handBack, lease } = held;
  const { argv, env, cwd } = planned;
  const stderr = new CappedOutput(spec.limits.outputCapBytes);
  const started = performance.now();
  let child: ChildProcess;
  try {
    child = spawn(argv[0]!, argv.slice(1), { cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    await handBack();
    lease.release();
    throw new OuroError('sandbox_unavailable', `Could not start the sandbox: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const pid = child.pid;
  if (pid !== undefined) track(pid);
  const kill = () => {
    if (pid !== undefined) killGroup(pid);
  };
  let killedByUs = false;
  child.stderr!.on('data', (c: Buffer) => stderr.push(c));
  // A worker that dies mid-write must not take the host down with an EPIPE.
  child.stdin!.on('error', () => undefined);
  const onAbort = () => {
    killedByUs = true;
    kill();
  };
  spec.signal?.addEventListener('abort', onAbort, { once: true });
  if (spec.signal?.aborted) onAbort();
  const exited = new Promise<SandboxExit>((resolve) => {
    let done = false;
    const finish = async (code: number | null, sig: NodeJS.Signals | null) => {
      if (done) return;
      done = true;
      spec.signal?.removeEventListener('abort', onAbort);
      kill();
      if (pid !== undefined) live.delete(pid);
      await handBack().catch(() => undefined);
      lease.release();
      let signal: string | null = sig;
      let exitCode: number | null = code;
      if (held.isolated && sig === null && code !== null && code > 128 && SIGNAL_NAMES.has(code - 128)) {
        signal = SIGNAL_NAMES.get(code - 128)!;
        exitCode = null;
      }
      const text = stderr.toString();
      const oomKilled = looksOutOfMemory({ exitCode, signal, stderr: text, killedByHost: killedByUs });
      resolve({
        exitCode,
        signal,
        stderr: text,
        oomKilled,
        durationMs: Math.round(performance.now() - started),
      });
    };
    child.once('exit', (code, sig) => void finish(code, sig));
    child.once('error', () => void finish(null, null));
  });
  return {
    pid,
    stdin: child.stdin!,
    stdout: child.stdout!,
    stderr: () => stderr.toString(),
    kill: () => {
      killedByUs = true;
      kill();
    },
    exited,
  };
}
