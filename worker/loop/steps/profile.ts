import type { Profile } from '../../../core/schemas/profile.ts';
import { inspectUpload } from '../../inspect-upload.ts';
import type { RunContext } from '../loop-types.ts';

/** Intake, then the profile (worker/inspect-upload.ts); said in the thread once per run. */
export async function profileInput(run: RunContext): Promise<Profile> {
  const { paths, request, deps } = run;
  const { profile } = await inspectUpload(paths, request.dataset, deps, {
    ...(request.options.sheet !== undefined ? { sheet: request.options.sheet } : {}),
  });
  if (!run.resumed)
    await deps.events.emit({
      type: 'profiled',
      rows: profile.rows,
      columns: profile.columns.length,
      findings: profile.findings,
    });
  return profile;
}
