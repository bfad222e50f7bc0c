import { performance } from 'node:perf_hooks';
import { Writable, type Duplex, type PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { looksOutOfMemory, type SandboxExit, type SandboxProcess, type SandboxStartSpec } from '../driver.ts';
import type { CappedOutput } from '../process/output-cap.ts';
import { DRAIN_GRACE_MS, removeContainer, splitStatus } from './container-calls.ts';
import { Demuxer } from './demux.ts';

/**
 * A started long-running container as a SandboxProcess (the docker driver's start(),
 * sandbox/docker/docker-driver.ts): stdin and stdout over the hijacked attach socket, stderr
 * capped; removed and its mounts handed back when it exits.
 */
export async function workerProcess(
  c: Docker.Container,
  socket: Duplex,
  spec: SandboxStartSpec,
  io: { stdout: PassThrough; stderr: CappedOutput; started: number; handBack: () => Promise<void> },
): Promise<SandboxProcess> {
  const { stdout, stderr, started, handBack } = io;
  socket.on('error', () => undefined);
  // stdout with backpressure: a caller that stops reading pauses the container's output.
  let paused = false;
  const demux = new Demuxer((kind, chunk) => {
    if (kind === 'stderr') {
      stderr.push(chunk);
      return;
    }
    if (!stdout.write(Buffer.from(chunk)) && !paused) {
      paused = true;
      socket.pause();
      stdout.once('drain', () => {
        paused = false;
        socket.resume();
      });
    }
  });
  socket.on('data', (chunk: Buffer) => demux.push(chunk));
  const endStdout = () => {
    if (!stdout.writableEnded) stdout.end();
  };
  socket.once('end', endStdout);
  socket.once('close', endStdout);
  const stdin = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (socket.destroyed || socket.writableEnded) return cb();
      socket.write(chunk, () => cb());
    },
    final(cb) {
      // Half-close: the container's stdin sees EOF (StdinOnce), its stdout keeps flowing.
      if (!socket.destroyed && !socket.writableEnded) socket.end();
      cb();
    },
  });
  stdin.on('error', () => undefined);

  let killedByUs = false;
  let killing = false;
  const kill = () => {
    killedByUs = true;
    if (killing) return;
    killing = true;
    c.kill({ signal: 'SIGKILL' }).catch(() => undefined);
  };
  const onAbort = () => kill();
  spec.signal?.addEventListener('abort', onAbort, { once: true });
  if (spec.signal?.aborted) onAbort();
  const info = await c.inspect().catch(() => undefined);

  const exited = (async (): Promise<SandboxExit> => {
    const code = await c.wait().then(
      (r: { StatusCode?: number }) => (typeof r?.StatusCode === 'number' ? r.StatusCode : null),
      () => null,
    );
    const durationMs = Math.round(performance.now() - started);
    spec.signal?.removeEventListener('abort', onAbort);
    const state = await c.inspect().then(
      (i) => i.State,
      () => undefined,
    );
    await new Promise<void>((r) => {
      if (stdout.writableEnded) return r();
      const t = setTimeout(r, DRAIN_GRACE_MS).unref();
      socket.once('close', () => {
        clearTimeout(t);
        r();
      });
    });
    socket.destroy();
    endStdout();
    await removeContainer(c);
    await handBack().catch(() => undefined);
    const { exitCode, signal } = splitStatus(code ?? state?.ExitCode ?? null);
    const text = stderr.toString();
    const oomKilled =
      state?.OOMKilled === true ||
      looksOutOfMemory({ exitCode, signal, stderr: text, killedByHost: killedByUs });
    return { exitCode, signal, stderr: text, oomKilled, durationMs };
  })();

  return {
    pid: info?.State?.Pid || undefined,
    stdin,
    stdout,
    stderr: () => stderr.toString(),
    kill,
    exited,
  };
}
