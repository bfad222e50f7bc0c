/**
 * The docker sandbox driver (docs/architecture.md, "The sandbox"; docs/sandbox.md): one throw-away container per run
 * on the local daemon or DOCKER_HOST, through the Engine API (dockerode). Each container has
 *
 *   no network, a read-only root, every capability dropped, no-new-privileges, uid 65534,
 *   memory = memory+swap, a CPU quota, a pids limit, rlimits (nofile, fsize, no core), a sized
 *   tmpfs /tmp and /dev/shm, the spec's mounts at the same paths (read-only unless writable)
 *   and the harness read-only,
 *
 * is killed from the host at the wall-clock limit or on abort, has its stdout/stderr demuxed
 * and capped (head + tail), and is removed afterwards whatever happened — and, through a
 * detached reaper, even when the host process is killed mid-run.
 *
 * Writable mounts, when ouro runs as root: lent to uid 65534 for the run and handed back
 * after (as the process driver does). As another user, the container runs as that user's
 * uid:gid instead, so what it writes is the host user's without any chown.
 */
import { realpathSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { performance } from 'node:perf_hooks';
import { PassThrough, Writable, type Duplex } from 'node:stream';
import Docker from 'dockerode';
import { OuroError } from '../../core/errors.ts';
import type {
  SandboxDriver,
  SandboxExit,
  SandboxProcess,
  SandboxResult,
  SandboxRunSpec,
  SandboxStartSpec,
} from '../driver.ts';
import { lendWritable, isRoot } from '../process/host.ts';
import { CappedOutput } from '../process/output-cap.ts';
import { sandboxEnv } from '../process/sandbox-env.ts';
import { containerOptions, type ContainerPlan } from './container-spec.ts';
import { Demuxer } from './demux.ts';
import { IMAGE_PYTHON } from './image.ts';
import { probeDocker, type DockerProbe } from './probe.ts';
import { OWNER_ID, OWNER_LABEL, SANDBOX_LABEL, ensureReaper } from './reaper.ts';
import { emptySandboxResult, looksOutOfMemory } from '../driver.ts';
import { checkSpecPaths } from '../spec-paths.ts';

export const SANDBOX_UID = 65534;
export const SANDBOX_GID = 65534;

export interface DockerDriverOptions {
  /** The sandbox image (OURO_SANDBOX_IMAGE, default ouro-sandbox:<hash>). */
  image: string;
  /** The harness package's parent dir: mounted read-only and first on PYTHONPATH. */
  harnessDir: string;
  /** The result of probeDocker(image), when the caller already has it. */
  probe?: DockerProbe;
}

/** Grace for the attach stream to deliver the last output after the container has exited. */
const DRAIN_GRACE_MS = 1000;
/** How long to wait for a killed container to be reported gone before giving up on the daemon. */
const KILL_GRACE_MS = 15_000;
const MAX_TIMER_MS = 2 ** 31 - 1;
const SIGNAL_NAMES = new Map<number, string>(
  Object.entries(osConstants.signals).map(([name, num]) => [num, name] as [number, string]),
);

function daemonAddress(): string {
  return process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
}

function errMessage(err: unknown): string {
  const e = err as { json?: { message?: string }; message?: string };
  return e?.json?.message ?? e?.message ?? String(err);
}

function statusCode(err: unknown): number | undefined {
  return (err as { statusCode?: number })?.statusCode;
}

/** docker-init reports a command killed by signal N as exit 128+N. */
function splitStatus(code: number | null): { exitCode: number | null; signal: string | null } {
  if (code !== null && code > 128 && SIGNAL_NAMES.has(code - 128))
    return { exitCode: null, signal: SIGNAL_NAMES.get(code - 128)! };
  return { exitCode: code, signal: null };
}

export class DockerSandboxDriver implements SandboxDriver {
  /** A container per run: the daemon either gives it or the driver fails to start. */
  readonly isolated = true;
  readonly name = 'docker' as const;
  readonly image: string;
  private readonly harnessDir: string;
  private readonly docker: Docker;
  private readonly python: string;
  private readonly serverVersion: string;
  private readonly hostCpus: number | undefined;
  private readonly root: boolean;

  constructor(options: DockerDriverOptions) {
    this.image = options.image;
    this.harnessDir = options.harnessDir;
    this.root = isRoot();
    const probe = options.probe ?? probeDocker(options.image);
    if (probe.daemonError !== undefined || probe.server === undefined) {
      throw new OuroError(
        'sandbox_unavailable',
        `OURO_SANDBOX=docker, but no Docker daemon answers at ${daemonAddress()} (${probe.daemonError ?? 'no version'}). ` +
          'Start it (systemctl start docker; or, as root, scripts/docker-setup.sh), point DOCKER_HOST at one, or use OURO_SANDBOX=process.',
      );
    }
    if (probe.image === undefined) {
      throw new OuroError(
        'sandbox_unavailable',
        probe.imageError === 'missing'
          ? `The sandbox image ${this.image} is not built on the Docker daemon at ${daemonAddress()}. Build it: ` +
              'sandbox/image/build-image.sh --online (or --offline where python:3.11-slim cannot be pulled). ' +
              'The tag follows sandbox/requirements.txt, so a change there needs a new build.'
          : `The sandbox image ${this.image} cannot be inspected: ${probe.imageError}.`,
      );
    }
    this.python = probe.image.python ?? IMAGE_PYTHON;
    this.serverVersion = probe.server;
    this.hostCpus = probe.cpus;
    try {
      this.docker = new Docker();
    } catch (err) {
      throw new OuroError(
        'sandbox_unavailable',
        `Cannot connect to Docker: ${errMessage(err)} (DOCKER_HOST=${process.env.DOCKER_HOST ?? ''}).`,
        { cause: err },
      );
    }
  }

  describe(): string {
    const user = this.root ? `uid ${SANDBOX_UID}` : `uid ${process.getuid?.() ?? '?'} (the host user)`;
    return (
      `docker driver: image ${this.image} on Docker ${this.serverVersion} (${daemonAddress()}): no network, read-only root, ` +
      `all capabilities dropped, no-new-privileges, ${user}; cgroup limits (memory without swap, CPU quota, pids), ` +
      'rlimits (file size, open files, no core), sized tmpfs /tmp and /dev/shm'
    );
  }

  /** Everything that can be wrong before creating a container, reported as what to do about it. */
  private plan(spec: SandboxStartSpec, interactive: boolean): { plan: ContainerPlan; writable: string[] } {
    const checked = checkSpecPaths(spec, {
      sandboxUser: this.root ? { uid: SANDBOX_UID, gid: SANDBOX_GID } : null,
      also: [[this.harnessDir, 'read', 'harness folder']],
      cwdInMount: true,
    });
    const cwd = checked.cwd;
    const mounts = checked.mounts.map((m) => ({ source: m.path, target: m.path, writable: m.writable }));
    if (!mounts.some((m) => m.target === this.harnessDir)) {
      mounts.push({ source: realpathSync(this.harnessDir), target: this.harnessDir, writable: false });
    }
    const argv = spec.command[0] === 'python' ? [this.python, ...spec.command.slice(1)] : [...spec.command];
    const user = this.root ? `${SANDBOX_UID}:${SANDBOX_GID}` : `${process.getuid!()}:${process.getgid!()}`;
    return {
      plan: {
        image: this.image,
        argv,
        cwd,
        user,
        env: sandboxEnv({ harnessDir: this.harnessDir, limits: spec.limits, specEnv: spec.env }),
        mounts,
        limits: spec.limits,
        labels: { [SANDBOX_LABEL]: 'true', [OWNER_LABEL]: OWNER_ID },
        interactive,
        ...(this.hostCpus !== undefined ? { hostCpus: this.hostCpus } : {}),
      },
      writable: mounts.filter((m) => m.writable).map((m) => m.source),
    };
  }

  private async create(plan: ContainerPlan): Promise<Docker.Container> {
    ensureReaper();
    try {
      return await this.docker.createContainer(containerOptions(plan));
    } catch (err) {
      if (statusCode(err) === 404) {
        throw new OuroError(
          'sandbox_unavailable',
          `The sandbox image ${this.image} is gone from the Docker daemon. Rebuild it: sandbox/image/build-image.sh.`,
          { cause: err },
        );
      }
      throw new OuroError(
        'sandbox_unavailable',
        `Docker could not create the sandbox container: ${errMessage(err)}`,
        { cause: err },
      );
    }
  }

  private static async remove(container: Docker.Container): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await container.remove({ force: true, v: true });
        return;
      } catch (err) {
        const code = statusCode(err);
        if (code === 404) return; // already gone
        if (code !== 409) return; // nothing more to do about it here; the reaper sweeps at exit
        await new Promise((r) => setTimeout(r, 200)); // 409: removal already in progress
      }
    }
  }

  async run(spec: SandboxRunSpec): Promise<SandboxResult> {
    if (spec.signal?.aborted) return emptySandboxResult({ cancelled: true });
    const { plan, writable } = this.plan(spec, false);
    const handBack = await lendWritable(writable, this.root, SANDBOX_UID, SANDBOX_GID);
    let container: Docker.Container | undefined;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      container = await this.create(plan);
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

      const waited = await this.waitFor(container, () => killing);
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
      if (container !== undefined) await DockerSandboxDriver.remove(container);
      await handBack();
    }
  }

  /**
   * The container's exit status; null when the daemon stops answering after a kill (the
   * container is then force-removed by the caller, and by the reaper at the latest).
   */
  private async waitFor(
    container: Docker.Container,
    killing: () => Promise<void> | undefined,
  ): Promise<number | null> {
    const waited = container.wait().then(
      (r: { StatusCode?: number }) => (typeof r?.StatusCode === 'number' ? r.StatusCode : null),
      () => null,
    );
    // After a kill the exit must follow promptly; do not hang on a wedged daemon.
    for (;;) {
      const k = killing();
      if (k === undefined) {
        const tick = new Promise<'tick'>((r) => setTimeout(() => r('tick'), 250).unref());
        const r = await Promise.race([waited, tick]);
        if (r !== 'tick') return r;
        continue;
      }
      const deadline = new Promise<'deadline'>((r) => setTimeout(() => r('deadline'), KILL_GRACE_MS).unref());
      const r = await Promise.race([waited, deadline]);
      return r === 'deadline' ? null : r;
    }
  }

  /**
   * A long-running container with stdin/stdout (prediction workers). Same isolation as run();
   * no timeout (the caller kills it), stderr capped, removed on kill(), on abort, when it
   * exits and when the host exits.
   */
  async start(spec: SandboxStartSpec): Promise<SandboxProcess> {
    const { plan, writable } = this.plan(spec, true);
    const handBack = await lendWritable(writable, this.root, SANDBOX_UID, SANDBOX_GID);
    let container: Docker.Container | undefined;
    let socket: Duplex;
    const stdout = new PassThrough();
    const stderr = new CappedOutput(spec.limits.outputCapBytes);
    let started = performance.now();
    try {
      container = await this.create(plan);
      try {
        socket = (await container.attach({
          stream: true,
          hijack: true,
          stdin: true,
          stdout: true,
          stderr: true,
        })) as unknown as Duplex;
      } catch (err) {
        throw new OuroError(
          'sandbox_unavailable',
          `Docker could not attach to the sandbox container: ${errMessage(err)}`,
          { cause: err },
        );
      }
      started = performance.now();
      try {
        await container.start();
      } catch (err) {
        socket.destroy();
        throw new OuroError(
          'sandbox_unavailable',
          `Docker could not start the sandbox container: ${errMessage(err)}`,
          { cause: err },
        );
      }
    } catch (err) {
      if (container !== undefined) await DockerSandboxDriver.remove(container);
      await handBack();
      throw err;
    }
    const c = container;
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
      await DockerSandboxDriver.remove(c);
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
}

export function createDockerDriver(options: DockerDriverOptions): DockerSandboxDriver {
  return new DockerSandboxDriver(options);
}
