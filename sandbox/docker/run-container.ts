import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { OuroError } from '../../core/errors.ts';
import { emptySandboxResult, looksOutOfMemory, type SandboxResult, type SandboxRunSpec } from '../driver.ts';
import { CappedOutput } from '../process/output-cap.ts';
import { DRAIN_GRACE_MS, errMessage, MAX_TIMER_MS, splitStatus, waitForExit } from './container-calls.ts';
import { Demuxer } from './demux.ts';

/**
 * One created container run to its exit (the docker driver's run(), sandbox/docker/
 * docker-driver.ts): output demuxed and capped, killed at the wall-clock limit or on abort.
 * The caller removes the container and hands the mounts back.
 */
export async function runContainer(
  container: Docker.Container,
  spec: SandboxRunSpec,
): Promise<SandboxResult> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    const stdout = new CappedOutput(spec.limits.outputCapBytes);
    const stderr = new CappedOutput(spec.limits.outputCapBytes);
    const demux = new Demuxer((kind, chunk) => (kind === 'stdout' ? stdout : stderr).push(chunk));
    let stream: NodeJS.ReadWriteStream;
    try {
      stream = await container.attach({ stream: true, stdout: true, stderr: true });
    } catch (err) {
      throw new OuroError(
        'sandbox_unavailable',
        `Docker could not attach to the sandbox container: ${errMessage(err)}`,
        { cause: err },
      );
    }
    stream.on('data', (c: Buffer) => demux.push(c));
    const ended = new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', () => resolve());
    });

    let timedOut = false;
    let cancelled = false;
    let running = false;
    let killing: Promise<void> | undefined;
    const c = container;
    const kill = () => {
      if (!running || killing !== undefined) return;
      killing = c.kill({ signal: 'SIGKILL' }).then(
        () => undefined,
        () => undefined, // already stopped
      );
    };
    onAbort = () => {
      if (!timedOut) cancelled = true;
      kill();
    };
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    if (spec.signal?.aborted) onAbort();
    if (cancelled) return emptySandboxResult({ cancelled: true });

    const started = performance.now();
    try {
      await container.start();
    } catch (err) {
      throw new OuroError(
        'sandbox_unavailable',
        `Docker could not start the sandbox container: ${errMessage(err)}`,
        { cause: err },
      );
    }
    running = true;
    timer = setTimeout(
      () => {
        timedOut = true;
        kill();
      },
      Math.min(Math.max(0, spec.timeoutMs), MAX_TIMER_MS),
    );
    if (cancelled) kill(); // aborted while starting

    const waited = await waitForExit(container, () => killing);
    const durationMs = Math.round(performance.now() - started);
    clearTimeout(timer);
    await Promise.race([ended, new Promise<void>((r) => setTimeout(r, DRAIN_GRACE_MS).unref())]);
    (stream as unknown as Duplex).destroy?.();

    const info = await container.inspect().catch(() => undefined);
    const code = waited ?? info?.State?.ExitCode ?? null;
    const { exitCode, signal } = splitStatus(code);
    const stderrText = stderr.toString();
    const killedByUs = timedOut || cancelled;
    const oomKilled =
      info?.State?.OOMKilled === true ||
      looksOutOfMemory({ exitCode, signal, stderr: stderrText, killedByHost: killedByUs });
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
      durationMs,
    };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    if (onAbort !== undefined) spec.signal?.removeEventListener('abort', onAbort);
  }
}
