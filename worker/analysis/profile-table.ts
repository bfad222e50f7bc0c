import type { RunPaths } from '../../core/run-paths.ts';
import type { Profile } from '../../core/schemas/profile.ts';
import type { RunRequest } from '../../core/schemas/run-request.ts';
import { inspectUpload } from '../inspect-upload.ts';
import type { AnalysisDeps } from './analysis-loop.ts';

/** The run's copy of the file, profiled by the trusted `inspect` step (Node never parses it). */
export async function profileTable(
  paths: RunPaths,
  request: RunRequest,
  deps: AnalysisDeps,
): Promise<Profile> {
  return (await inspectUpload(paths, request.dataset, deps)).profile;
}
