import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunPaths } from '../../core/run-paths.ts';
import { JournalSchema, type Journal } from '../../core/schemas/journal.ts';
import type { RunRequest } from '../../core/schemas/run-request.ts';
import { readJsonIfExists } from '../../core/store/json-file.ts';

/**
 * The run's journal: the existing one (a resumed run; an experiment that was running when the
 * process died is discarded and redone, finished ones are kept) or a fresh one.
 */
export async function openJournal(paths: RunPaths, request: RunRequest): Promise<Journal> {
  const existing = await readJsonIfExists(paths.journal, JournalSchema);
  if (existing !== null) {
    // An experiment that was running when the process died is redone from scratch.
    for (const n of existing.nodes.filter((n) => n.status === 'running'))
      await rm(join(paths.root, n.dir), { recursive: true, force: true });
    existing.nodes = existing.nodes.filter((n) => n.status !== 'running');
    existing.status = 'running';
    return existing;
  }
  await mkdir(paths.root, { recursive: true, mode: 0o755 });
  const now = new Date().toISOString();
  return {
    version: 1,
    request,
    status: 'running',
    plan: null,
    nodes: [],
    bestNodeId: null,
    steering: [],
    prefer: [],
    forbid: [],
    elapsedMs: 0,
    createdAt: now,
    updatedAt: now,
  };
}
