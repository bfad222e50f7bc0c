/**
 * One uid per sandbox, when ouro runs as root.
 *
 * RLIMIT_NPROC counts every task of the real uid, not of one process tree. With a single
 * sandbox user, concurrent sandboxes (two runs on one worker, a prediction worker beside an
 * experiment, a Docker container running as 65534) shared one process budget: a fork bomb in
 * one starved the others, and a busy neighbour could make a healthy script fail to start. A
 * uid of its own makes the `pids` limit exact per sandbox and keeps sandboxes from owning
 * each other's files.
 *
 * The uids come from systemd's dynamic-user range (61184–65519), which distributions keep free
 * of /etc/passwd entries; a uid listed in /etc/passwd, outside this user namespace's uid_map,
 * already leased here, or owning a live task is skipped. When nothing fits, the lease falls
 * back to 65534 (nobody), the shared budget of before.
 */
import { readFileSync } from 'node:fs';
import { tasksByUid } from './host.ts';

export const SANDBOX_UID_FIRST = 61184;
export const SANDBOX_UID_LAST = 65519;
/** The shared fallback user, and every sandbox's group (nogroup). */
export const NOBODY = 65534;
export const SANDBOX_GID = 65534;

export interface UidLease {
  readonly uid: number;
  release(): void;
}

const leased = new Set<number>();

function mappedRanges(): [number, number][] {
  try {
    return readFileSync('/proc/self/uid_map', 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s+/).map(Number))
      .filter((f) => f.length === 3 && f.every(Number.isFinite))
      .map(([inside, , count]) => [inside!, inside! + count! - 1] as [number, number]);
  } catch {
    return [[0, 2 ** 32 - 2]];
  }
}

function passwdUids(): Set<number> {
  const uids = new Set<number>();
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const uid = Number(line.split(':')[2]);
      if (line.trim() !== '' && Number.isInteger(uid)) uids.add(uid);
    }
  } catch {
    // no passwd file: nothing is taken
  }
  return uids;
}

let candidates: number[] | null = null;

/** The range minus passwd users and unmapped uids; read once (neither changes while ouro runs). */
function candidateUids(): number[] {
  if (candidates === null) {
    const taken = passwdUids();
    const ranges = mappedRanges();
    candidates = [];
    for (let uid = SANDBOX_UID_FIRST; uid <= SANDBOX_UID_LAST; uid++) {
      if (!taken.has(uid) && ranges.some(([lo, hi]) => uid >= lo && uid <= hi)) candidates.push(uid);
    }
  }
  return candidates;
}

/**
 * A uid no other sandbox of this process holds and no task runs as. Random start, so separate
 * ouro processes on one host rarely probe the same uid at once (a collision only shares a
 * process budget, as the fallback does).
 */
export function leaseSandboxUid(): UidLease {
  const pool = candidateUids();
  const start = Math.floor(Math.random() * Math.max(pool.length, 1));
  // One pass over /proc for every candidate: this runs before each sandbox starts.
  const busy = tasksByUid();
  for (let i = 0; i < pool.length; i++) {
    const uid = pool[(start + i) % pool.length]!;
    if (leased.has(uid) || busy.has(uid)) continue;
    leased.add(uid);
    let released = false;
    return {
      uid,
      release: () => {
        if (released) return;
        released = true;
        leased.delete(uid);
      },
    };
  }
  return { uid: NOBODY, release: () => undefined };
}
