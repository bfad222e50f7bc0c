/**
 * The pool's staging folders (python-pool.ts): a group's processes see one read-only folder
 * holding hard links to its models' registry folders, under `<home>/serve-pool/<server>/`.
 */
import { copyFile, link, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Mirrors a registry folder (plain files and folders only) as hard links under `root`. */
export async function linkTree(from: string, to: string, root: string): Promise<void> {
  await mkdir(root, { recursive: true, mode: 0o755 });
  await rm(to, { recursive: true, force: true });
  await mkdir(to, { mode: 0o755 });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (entry.isDirectory()) await linkTree(join(from, entry.name), join(to, entry.name), root);
    else if (entry.isFile()) {
      await link(join(from, entry.name), join(to, entry.name)).catch(async (err: NodeJS.ErrnoException) => {
        // The registry on another filesystem than OURO_HOME/serve-pool (a mount): a copy then.
        if (err.code !== 'EXDEV') throw err;
        await copyFile(join(from, entry.name), join(to, entry.name));
      });
    }
  }
}

/** Staging folders of servers that are gone (a killed `ouro serve` leaves its own behind). */
export async function removeStale(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  for (const name of entries) {
    const pid = Number(name.split('-')[0]);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch (err) {
      alive = (err as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (!alive) await rm(join(dir, name), { recursive: true, force: true }).catch(() => undefined);
  }
}
