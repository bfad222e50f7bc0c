/**
 * The SandboxDriver port (docs/architecture.md, "The sandbox"). Every piece of Python that ouro runs — the trusted
 * harness steps and the generated experiments alike — goes through one of these.
 */

export interface Mount {
  /** Absolute path on the host. Inside the sandbox it appears at the same path. */
  path: string;
  /** Only the experiment folder (and a trusted step's outputs) are writable. */
  writable?: boolean;
}

export interface SandboxLimits {
  memoryMb: number;
  pids: number;
  cpus: number;
  /** Cap on each of stdout and stderr, in bytes; the rest is dropped and flagged. */
  outputCapBytes: number;
  /** Largest file a sandboxed process may write, in MB. */
  fileSizeMb: number;
  /** Size of the private tmp, in MB. */
  tmpMb: number;
}

export interface SandboxRunSpec {
  /** argv; a first element of `python` means the sandbox's own interpreter. */
  command: string[];
  cwd: string;
  mounts: Mount[];
  limits: SandboxLimits;
  timeoutMs: number;
  /** The whole environment of the sandboxed process (an allow-list: nothing is inherited). */
  env?: Record<string, string>;
  /** Aborting kills the sandboxed process tree (run cancellation). */
  signal?: AbortSignal;
}

export interface SandboxResult {
  exitCode: number | null;
  /** Name of the signal that ended the process, when one did. */
  signal: string | null;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  timedOut: boolean;
  oomKilled: boolean;
  cancelled: boolean;
  durationMs: number;
}

/** A long-running sandboxed process (a prediction worker): no wall-clock limit of its own. */
export type SandboxStartSpec = Omit<SandboxRunSpec, 'timeoutMs'>;

export interface SandboxExit {
  exitCode: number | null;
  signal: string | null;
  /** The process's stderr, capped like run()'s (head + tail). */
  stderr: string;
  oomKilled: boolean;
  durationMs: number;
}

export interface SandboxProcess {
  readonly pid: number | undefined;
  readonly stdin: NodeJS.WritableStream;
  readonly stdout: NodeJS.ReadableStream;
  /** stderr so far (capped). */
  stderr(): string;
  /** Kills the whole sandboxed process tree; `exited` settles soon after. */
  kill(): void;
  /** Settles (never rejects) when the process is gone and writable mounts are handed back. */
  readonly exited: Promise<SandboxExit>;
}

export interface SandboxDriver {
  readonly name: 'process' | 'docker';
  /** What isolation this driver actually has on this host, for the transcript and docs. */
  describe(): string;
  /**
   * False only when the operator chose OURO_SANDBOX_ISOLATION=weak and the host could not give
   * namespaces: runs then say so in their transcript and thread (docs/security.md).
   */
  readonly isolated: boolean;
  run(spec: SandboxRunSpec): Promise<SandboxResult>;
  /** Starts a process that talks over stdin/stdout, under the same isolation as run(). Optional: a driver without it cannot host prediction workers. */
  start?(spec: SandboxStartSpec): Promise<SandboxProcess>;
}

export const DEFAULT_LIMITS: SandboxLimits = {
  memoryMb: 4096,
  pids: 512,
  cpus: 2,
  outputCapBytes: 256 * 1024,
  fileSizeMb: 2048,
  tmpMb: 512,
};

/** A result with nothing in it, for drivers to fill in when a run ends early. */
export function emptySandboxResult(over: Partial<SandboxResult>): SandboxResult {
  return {
    exitCode: null,
    signal: null,
    stdout: '',
    stderr: '',
    stdoutTruncated: false,
    stderrTruncated: false,
    timedOut: false,
    oomKilled: false,
    cancelled: false,
    durationMs: 0,
    ...over,
  };
}

const OOM_EVIDENCE = /MemoryError|Cannot allocate memory|std::bad_alloc/;

/**
 * Whether a sandboxed command most likely died of memory, for drivers whose kernel does not say
 * (an rlimit makes allocations fail; a cgroup OOM kill arrives as a SIGKILL nobody sent): a
 * SIGKILL the host did not send, or a failure whose stderr ends in an allocation error.
 */
export function looksOutOfMemory(exit: {
  exitCode: number | null;
  signal: string | null;
  stderr: string;
  killedByHost: boolean;
}): boolean {
  if (exit.killedByHost) return false;
  return exit.signal === 'SIGKILL' || (exit.exitCode !== 0 && OOM_EVIDENCE.test(exit.stderr.slice(-8192)));
}
