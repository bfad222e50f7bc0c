import { constants as osConstants } from 'node:os';
import type Docker from 'dockerode';

/**
 * The docker driver's small dealings with the Engine API (sandbox/docker/docker-driver.ts):
 * where the daemon is, what its errors say, an exit status read as a signal, waiting for and
 * removing a container without hanging on a wedged daemon.
 */

/** Grace for the attach stream to deliver the last output after the container has exited. */
export const DRAIN_GRACE_MS = 1000;
/** How long to wait for a killed container to be reported gone before giving up on the daemon. */
const KILL_GRACE_MS = 15_000;
export const MAX_TIMER_MS = 2 ** 31 - 1;
const SIGNAL_NAMES = new Map<number, string>(
  Object.entries(osConstants.signals).map(([name, num]) => [num, name] as [number, string]),
);

export function daemonAddress(): string {
  return process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
}

export function errMessage(err: unknown): string {
  const e = err as { json?: { message?: string }; message?: string };
  return e?.json?.message ?? e?.message ?? String(err);
}

export function statusCode(err: unknown): number | undefined {
  return (err as { statusCode?: number })?.statusCode;
}

/** docker-init reports a command killed by signal N as exit 128+N. */
export function splitStatus(code: number | null): { exitCode: number | null; signal: string | null } {
  if (code !== null && code > 128 && SIGNAL_NAMES.has(code - 128))
    return { exitCode: null, signal: SIGNAL_NAMES.get(code - 128)! };
  return { exitCode: code, signal: null };
}

export async function removeContainer(container: Docker.Container): Promise<void> {
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

/**
 * The container's exit status; null when the daemon stops answering after a kill (the
 * container is then force-removed by the caller, and by the reaper at the latest).
 */
export async function waitForExit(
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
