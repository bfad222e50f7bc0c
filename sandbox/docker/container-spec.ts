/**
 * The container one sandboxed command runs in, as the Docker Engine API's create body. Pure, so
 * the isolation settings can be read (and tested) in one place.
 */
import type { ContainerCreateOptions } from 'dockerode';
import type { SandboxLimits } from '../driver.ts';

const MB = 1024 * 1024;

export interface ContainerPlan {
  image: string;
  /** argv, already resolved (`python` replaced by the image's interpreter). */
  argv: string[];
  cwd: string;
  /** `uid:gid` inside the container. */
  user: string;
  env: Record<string, string>;
  /** Host paths; each appears at the same path inside the container. */
  mounts: { source: string; target: string; writable: boolean }[];
  limits: SandboxLimits;
  /** Labels that let a reaper find the container if its host process dies. */
  labels: Record<string, string>;
  /** start(): stdin stays open for the caller. */
  interactive: boolean;
  /** CPUs on the daemon's host: the CPU quota is capped there (Docker refuses more). */
  hostCpus?: number;
  name?: string;
}

export function containerOptions(p: ContainerPlan): ContainerCreateOptions {
  const fileSize = p.limits.fileSizeMb * MB;
  return {
    ...(p.name !== undefined ? { name: p.name } : {}),
    Image: p.image,
    Cmd: p.argv,
    // The image's entrypoint, if any, is not ours to run.
    Entrypoint: [],
    WorkingDir: p.cwd,
    User: p.user,
    Env: Object.entries(p.env).map(([k, v]) => `${k}=${v}`),
    Labels: p.labels,
    Hostname: 'sandbox',
    NetworkDisabled: true,
    Tty: false,
    AttachStdin: p.interactive,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: p.interactive,
    StdinOnce: p.interactive,
    HostConfig: {
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Privileged: false,
      IpcMode: 'private',
      // docker-init (tini) as PID 1: reaps orphans, and the container ends with the command.
      Init: true,
      Memory: p.limits.memoryMb * MB,
      // Equal to Memory: no swap on top.
      MemorySwap: p.limits.memoryMb * MB,
      NanoCpus: Math.max(1e7, Math.round(Math.min(p.limits.cpus, p.hostCpus ?? Infinity) * 1e9)),
      PidsLimit: p.limits.pids,
      Ulimits: [
        { Name: 'nofile', Soft: 1024, Hard: 1024 },
        { Name: 'fsize', Soft: fileSize, Hard: fileSize },
        { Name: 'core', Soft: 0, Hard: 0 },
      ],
      Tmpfs: { '/tmp': `rw,nosuid,nodev,exec,size=${p.limits.tmpMb}m,mode=1777` },
      ShmSize: p.limits.tmpMb * MB,
      Mounts: p.mounts.map((m) => ({
        Type: 'bind' as const,
        Source: m.source,
        Target: m.target,
        ReadOnly: !m.writable,
        BindOptions: { Propagation: 'rprivate' as const },
      })),
      // Output goes to the host over the attach stream only: no log file grows on the daemon.
      LogConfig: { Type: 'none', Config: {} },
      AutoRemove: false,
      RestartPolicy: { Name: '', MaximumRetryCount: 0 },
    },
  };
}
