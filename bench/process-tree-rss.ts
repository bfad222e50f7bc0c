import { readdir, readFile } from 'node:fs/promises';

/** How bench:serve-memory (bench/serve-memory.ts) samples the memory of a server and its pool. */

/** Resident memory (MiB) of a process and all its descendants, from /proc. */
export async function treeRss(
  root: number,
): Promise<{ server: number; children: number; processes: number }> {
  const parent = new Map<number, number>();
  const rss = new Map<number, number>();
  for (const name of await readdir('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const ppid = /^PPid:\s+(\d+)/m.exec(status);
    const vm = /^VmRSS:\s+(\d+) kB/m.exec(status);
    if (ppid !== null) parent.set(pid, Number(ppid[1]));
    rss.set(pid, vm === null ? 0 : Number(vm[1]) / 1024);
  }
  const inTree = (pid: number): boolean => {
    for (let p = parent.get(pid), hops = 0; p !== undefined && hops < 64; p = parent.get(p), hops++)
      if (p === root) return true;
    return false;
  };
  let children = 0;
  let processes = 0;
  for (const pid of parent.keys()) {
    if (!inTree(pid)) continue;
    children += rss.get(pid) ?? 0;
    processes++;
  }
  return { server: rss.get(root) ?? 0, children, processes };
}
