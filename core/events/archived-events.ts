import { runPaths } from '../run-paths.ts';
import type { RunEvent } from '../schemas/events.ts';
import type { ArtifactStore } from '../store/artifact-store.ts';
import { FileEventLog } from './event-log.ts';

/**
 * A run's archived events (runs/<id>/events.jsonl), once its Redis stream has expired: from
 * OURO_HOME with the filesystem store, from the bucket with a remote one (the worker that ran
 * it checkpointed the file there).
 */
export async function readArchivedEvents(
  home: string,
  runId: string,
  store?: ArtifactStore,
): Promise<RunEvent[]> {
  if (store === undefined || store.kind === 'fs') return FileEventLog.replay(runPaths(home, runId).events);
  const bytes = await store.getBytes(`runs/${runId}/events.jsonl`);
  return bytes === null ? [] : FileEventLog.parse(bytes.toString('utf8'));
}
