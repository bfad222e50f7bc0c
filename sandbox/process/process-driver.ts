/**
 * The process sandbox driver (docs/architecture.md, "The sandbox"): no container runtime, just Linux tools that ship
 * everywhere. The tree it starts is
 *
 *   setpriv (as root: drop to a uid of the sandbox's own, group 65534) → prlimit (rlimits) →
 *   bwrap (namespaces, an allow-listed read-only filesystem) → the command
 *
 * spawned in its own process group so the host can SIGKILL all of it. Without bubblewrap it
 * falls back to setpriv + prlimit alone and says so in describe().
 *
 * The uid is leased per sandbox (sandbox-uids.ts) so that the process limit, which the kernel
 * counts per uid, holds for each sandbox alone.
 *
 * Writable mounts, when running as root: the driver chowns them (recursively, never following
 * symlinks) to the sandbox's uid before the run and back to their previous owner afterwards, so
 * the host owns everything the run wrote.
 */
import { accessSync, constants, realpathSync } from 'node:fs';
import { OuroError } from '../../core/errors.ts';
import type {
  SandboxDriver,
  SandboxProcess,
  SandboxResult,
  SandboxRunSpec,
  SandboxStartSpec,
} from '../driver.ts';
import {
  bwrapArgs,
  hostEtcFiles,
  hostSystemLayout,
  prlimitArgs,
  setprivArgs,
  type BwrapPlan,
} from './bwrap-args.ts';
import { probeBwrap, type BwrapInfo } from './bwrap-probe.ts';
import { lendWritable, findExecutable, isRoot, processCount, pythonRoots } from './host.ts';
import { runToExit } from './run-to-exit.ts';
import { sandboxEnv } from './sandbox-env.ts';
import {
  NOBODY,
  SANDBOX_GID,
  SANDBOX_UID_FIRST,
  SANDBOX_UID_LAST,
  leaseSandboxUid,
  type UidLease,
} from './sandbox-uids.ts';
import { startWorker } from './start-worker.ts';
import { emptySandboxResult } from '../driver.ts';
import { checkSpecPaths, type CheckedSpecPaths } from '../spec-paths.ts';

/** Not root: every sandbox runs as ouro's own uid and shares its process budget. */
const OWN_UID: UidLease = { uid: -1, release: () => undefined };

export interface ProcessDriverOptions {
  /** The sandbox's interpreter (OURO_PYTHON); `python` as a command's first element runs it. */
  python: string;
  /** The harness package's parent dir: read-only in the sandbox and first on PYTHONPATH. */
  harnessDir: string;
  /** 'auto' (default): bubblewrap when installed and working; 'require': fail without it; 'off': never. */
  bwrap?: 'auto' | 'require' | 'off';
  /** The bwrap executable (default: found on the standard paths); tests point it at a broken one. */
  bwrapPath?: string;
}

export class ProcessSandboxDriver implements SandboxDriver {
  readonly name = 'process' as const;
  private readonly python: string;
  private readonly harnessDir: string;
  private readonly root: boolean;
  private readonly prlimit: string;
  private readonly setpriv: string | null;
  private readonly bwrap: BwrapInfo | null;
  private readonly bwrapMissingReason: string;

  private readonly bwrapPath: string | undefined;

  constructor(options: ProcessDriverOptions) {
    this.bwrapPath = options.bwrapPath;
    if (process.platform !== 'linux') {
      throw new OuroError(
        'sandbox_unavailable',
        `The process sandbox needs Linux (this is ${process.platform}). Use OURO_SANDBOX=docker.`,
      );
    }
    this.python = options.python;
    this.harnessDir = options.harnessDir;
    this.root = isRoot();
    const prlimit = findExecutable('prlimit');
    if (prlimit === null) {
      throw new OuroError(
        'sandbox_unavailable',
        'The process sandbox needs `prlimit` (util-linux). Install it: apt-get install util-linux.',
      );
    }
    this.prlimit = prlimit;
    this.setpriv = findExecutable('setpriv');
    if (this.root) {
      if (this.setpriv === null) {
        throw new OuroError(
          'sandbox_unavailable',
          'Running as root, the process sandbox needs `setpriv` (util-linux) to drop to an unprivileged user. Install it: apt-get install util-linux.',
        );
      }
    }
    const mode = options.bwrap ?? 'auto';
    const probe = mode === 'off' ? { info: null, reason: 'bubblewrap turned off' } : this.probeBwrap();
    this.bwrap = probe.info;
    this.bwrapMissingReason = probe.reason;
    if (mode === 'require' && this.bwrap === null) {
      throw new OuroError(
        'sandbox_unavailable',
        `Refusing to run generated code without isolation: bubblewrap cannot sandbox here (${probe.reason}). ` +
          'Install bubblewrap (apt-get install bubblewrap) and allow it to create namespaces (unprivileged user namespaces, ' +
          'or in a container: the security_opt and cap_add of docker-compose.yml), or use OURO_SANDBOX=docker. ' +
          'To run anyway with only a separate uid and rlimits — no network isolation, the host filesystem visible — set ' +
          'OURO_SANDBOX_ISOLATION=weak; every run then says so (docs/security.md).',
      );
    }
  }

  /** Whether runs get bubblewrap's namespaces (network, pid, filesystem allow-list). */
  get isolated(): boolean {
    return this.bwrap !== null;
  }

  describe(): string {
    const user = this.root
      ? `setpriv to a uid of its own (${SANDBOX_UID_FIRST}–${SANDBOX_UID_LAST}, gid ${SANDBOX_GID})`
      : `as uid ${process.getuid?.() ?? '?'} (not root)`;
    const limits = 'prlimit rlimits (address space, processes, file size, open files, no core)';
    const noCgroups = 'CPU capped by thread count only (no cgroups)';
    if (this.bwrap !== null) {
      return (
        `process driver: bubblewrap ${this.bwrap.version} (no network, private pid/ipc/uts namespaces, ` +
        `read-only allow-listed filesystem, sized /tmp) + ${user} + ${limits}; ${noCgroups}`
      );
    }
    return (
      `process driver: plain subprocess + ${user} + ${limits}; network isolation is off and the ` +
      `filesystem is guarded only by permissions (${this.bwrapMissingReason}: install bubblewrap for network isolation)`
    );
  }

  private probeBwrap(): { info: BwrapInfo | null; reason: string } {
    return probeBwrap(this.bwrapPath ?? findExecutable('bwrap'), {
      lease: () => this.lease(),
      argv: (info, lease) => [
        ...this.userPrefix(lease),
        ...this.bwrapPrefix(info, { tmpMb: 1, readOnly: [], mounts: [], cwd: '/' }),
        'true',
      ],
    });
  }

  /**
   * setpriv: as root the drop to the sandbox user, and death with the host. bwrap's own
   * --die-with-parent only starts once bwrap runs; setpriv's covers the exec chain before it
   * (a host killed in that window would otherwise leave the sandbox behind).
   */
  private userPrefix(lease: UidLease): string[] {
    if (this.setpriv === null) return [];
    const ids = this.root ? { uid: lease.uid, gid: SANDBOX_GID } : {};
    return setprivArgs(this.setpriv, { ...ids, pdeathsig: true });
  }

  /** As root, a uid for one sandbox; released when the sandbox has exited and its mounts are handed back. */
  private lease(): UidLease {
    return this.root ? leaseSandboxUid() : OWN_UID;
  }

  private bwrapPrefix(
    info: BwrapInfo,
    p: Pick<BwrapPlan, 'tmpMb' | 'readOnly' | 'mounts' | 'cwd'>,
  ): string[] {
    return bwrapArgs({
      bwrap: info.path,
      supportsSize: info.supportsSize,
      disableUserns: info.disableUserns,
      system: hostSystemLayout(),
      etc: hostEtcFiles(),
      ...p,
    });
  }

  /** Everything that can be wrong before starting, reported as what to do about it. */
  private preflight(spec: SandboxStartSpec): CheckedSpecPaths {
    if (spec.command.length > 0) {
      try {
        accessSync(this.python, constants.X_OK);
      } catch {
        throw new OuroError(
          'sandbox_unavailable',
          `The sandbox Python ${this.python} is missing or not executable. Run \`npm run setup\` or set OURO_PYTHON.`,
        );
      }
    }
    return checkSpecPaths(spec, {
      // Any leased uid owns nothing on the host, so "other" and group 65534's bits decide.
      sandboxUser: this.root ? { uid: NOBODY, gid: SANDBOX_GID } : null,
      also: [
        [this.python, 'exec', 'sandbox Python'],
        ...pythonRoots(this.python).map((root): [string, 'read', string] => [
          root,
          'read',
          'Python installation',
        ]),
        [this.harnessDir, 'read', 'harness folder'],
      ],
      cwdInMount: this.bwrap !== null,
    });
  }

  /** The whole argv, environment and cwd of a sandboxed command, after the preflight checks. */
  private plan(
    spec: SandboxStartSpec,
    lease: UidLease,
  ): { argv: string[]; env: Record<string, string>; cwd: string; writable: string[] } {
    const { mounts, cwd } = this.preflight(spec);
    const limits = spec.limits;
    const command =
      spec.command[0] === 'python' ? [this.python, ...spec.command.slice(1)] : [...spec.command];
    // A uid of its own starts with no tasks; a shared one (not root, or the nobody fallback)
    // gets its current tasks on top, or the sandbox could not even start.
    const shared = !this.root || lease.uid === NOBODY;
    const nproc = shared ? processCount(this.root ? NOBODY : process.getuid!()) + limits.pids : limits.pids;
    const argv = [...this.userPrefix(lease), ...prlimitArgs(this.prlimit, limits, nproc)];
    if (this.bwrap !== null) {
      const readOnly = [...pythonRoots(this.python), realpathSync(this.harnessDir)];
      argv.push(...this.bwrapPrefix(this.bwrap, { tmpMb: limits.tmpMb, readOnly, mounts, cwd }));
    }
    argv.push(...command);
    const env = sandboxEnv({ harnessDir: this.harnessDir, limits, specEnv: spec.env });
    return {
      argv,
      env,
      cwd: this.bwrap !== null ? '/' : cwd,
      writable: mounts.filter((m) => m.writable).map((m) => m.path),
    };
  }

  async run(spec: SandboxRunSpec): Promise<SandboxResult> {
    if (spec.signal?.aborted) return emptySandboxResult({ cancelled: true, durationMs: 0 });
    const lease = this.lease();
    try {
      const { argv, env, cwd, writable } = this.plan(spec, lease);
      const handBack = await lendWritable(writable, this.root, lease.uid, SANDBOX_GID);
      try {
        return await runToExit(argv, env, cwd, spec, this.bwrap !== null);
      } finally {
        await handBack();
      }
    } finally {
      lease.release();
    }
  }

  /**
   * A long-running sandboxed process with piped stdin/stdout (prediction workers). Same
   * isolation as run(); no timeout (the caller kills it), stderr capped, the process group
   * killed on kill(), on abort and when the host exits.
   */
  async start(spec: SandboxStartSpec): Promise<SandboxProcess> {
    const lease = this.lease();
    let planned: ReturnType<ProcessSandboxDriver['plan']>;
    let handBack: () => Promise<void>;
    try {
      planned = this.plan(spec, lease);
      handBack = await lendWritable(planned.writable, this.root, lease.uid, SANDBOX_GID);
    } catch (err) {
      lease.release();
      throw err;
    }
    return startWorker(planned, spec, { isolated: this.bwrap !== null, handBack, lease });
  }
}

export function createProcessDriver(options: ProcessDriverOptions): ProcessSandboxDriver {
  return new ProcessSandboxDriver(options);
}
