/**
 * The pool's process bookkeeping (python-pool.ts): what a group's processes hold, and which
 * model to unload to keep the memory budget or which process to stop for being idle.
 */
import type { PythonWorker, Reply } from './python-worker.ts';

export interface Job {
  key: string;
  payload: Record<string, unknown>;
  /** Only this process (an unload). */
  target?: Proc;
  resolve: (r: Reply) => void;
  reject: (e: Error) => void;
}

export interface Proc {
  worker: PythonWorker;
  /** Loaded models and when each last answered. */
  models: Map<string, number>;
}

export interface Group {
  dir: string;
  procs: Proc[];
  starting: number;
  queue: Job[];
}

/**
 * Over the budget: the least recently used model of each idle process (one at a time per
 * process), oldest first, until the processes' shares given back bring `total` under `memoryMb`.
 * `latest` (the model that answered last) is never chosen. `evict` runs for each as it is chosen.
 */
export function evictLru(
  groups: Iterable<Group>,
  latest: string | null,
  total: number,
  memoryMb: number,
  evict: (g: Group, p: Proc, key: string) => void,
): void {
  if (total <= memoryMb) return;
  const candidates: { g: Group; p: Proc; key: string; at: number }[] = [];
  for (const g of groups) {
    for (const p of g.procs) {
      if (p.worker.busy || g.queue.some((j) => j.target === p)) continue;
      for (const [key, at] of p.models) if (key !== latest) candidates.push({ g, p, key, at });
    }
  }
  candidates.sort((a, b) => a.at - b.at);
  const touched = new Set<Proc>();
  for (const c of candidates) {
    if (total <= memoryMb) break;
    if (touched.has(c.p)) continue;
    touched.add(c.p);
    // A process's own share is the most an unload can give back (all of it when it stops).
    total -= c.p.models.size === 1 ? c.p.worker.rssMb : c.p.worker.rssMb / c.p.models.size;
    evict(c.g, c.p, c.key);
  }
}

/** Calls `stop` for each ready process with no request for `idleMs` and no unload queued for it. */
export function stopIdleProcesses(
  groups: Iterable<Group>,
  idleMs: number,
  stop: (g: Group, p: Proc) => void,
): void {
  const now = Date.now();
  for (const g of groups) {
    for (const p of [...g.procs]) {
      if (
        !p.worker.busy &&
        p.worker.isReady &&
        now - p.worker.lastActive > idleMs &&
        !g.queue.some((j) => j.target === p)
      )
        stop(g, p);
    }
  }
}
