import { constants as osConstants } from 'node:os';

/**
 * The process groups of the process driver's sandboxes (sandbox/process/process-driver.ts):
 * each sandbox runs in its own group so the host can SIGKILL all of it, and every group still
 * alive when the host exits goes with it.
 */

export const SIGNAL_NAMES = new Map<number, string>(
  Object.entries(osConstants.signals).map(([name, num]) => [num, name] as [number, string]),
);

/** Sandboxes alive in this process, killed if the host exits first. */
export const live = new Set<number>();
let exitHookInstalled = false;
export function track(pid: number): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const p of live) killGroup(p);
    });
  }
  live.add(pid);
}

export function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
