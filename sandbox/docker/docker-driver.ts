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
import { performance } from 'node:perf_hooks';
import { PassThrough, type Duplex } from 'node:stream';
import Docker from 'dockerode';
import { OuroError } from '../../core/errors.ts';
import type {
  SandboxDriver,
  SandboxProcess,
  SandboxResult,
  SandboxRunSpec,
  SandboxStartSpec,
} from '../driver.ts';
import { lendWritable, isRoot } from '../process/host.ts';
import { CappedOutput } from '../process/output-cap.ts';
import { sandboxEnv } from '../process/sandbox-env.ts';
import { daemonAddress, errMessage, removeContainer, statusCode } from './container-calls.ts';
import { containerOptions, type ContainerPlan } from './container-spec.ts';
import { IMAGE_PYTHON } from './image.ts';
import { probeDocker, type DockerProbe } from './probe.ts';
import { OWNER_ID, OWNER_LABEL, SANDBOX_LABEL, ensureReaper } from './reaper.ts';
import { runContainer } from './run-container.ts';
import { workerProcess } from './worker-process.ts';
import { emptySandboxResult } from '../driver.ts';
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

  async run(spec: SandboxRunSpec): Promise<SandboxResult> {
    if (spec.signal?.aborted) return emptySandboxResult({ cancelled: true });
    const { plan, writable } = this.plan(spec, false);
    const handBack = await lendWritable(writable, this.root, SANDBOX_UID, SANDBOX_GID);
    let container: Docker.Container | undefined;
    try {
      container = await this.create(plan);
      return await runContainer(container, spec);
    } finally {
      if (container !== undefined) await removeContainer(container);
      await handBack();
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
      if (container !== undefined) await removeContainer(container);
      await handBack();
      throw err;
    }
    return workerProcess(container, socket, spec, { stdout, stderr, started, handBack });
  }
}

export function createDockerDriver(options: DockerDriverOptions): DockerSandboxDriver {
  return new DockerSandboxDriver(options);
}
