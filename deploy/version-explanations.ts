/**
 * A served version's permutation importance and holdout charts, computed in the background
 * (tens of seconds for a blend on a wide table), so a deploy does not wait for them; the model
 * page shows them once done.
 */
import type { Logger } from '../core/logger.ts';
import type { SandboxDriver, SandboxLimits } from '../sandbox/driver.ts';
import type { LoadedModel } from './loaded-model.ts';
import { prepareExplanations } from './prepare-explanations.ts';
import { readHoldoutCharts, readImportance } from './serving-files.ts';

export interface ExplainOptions {
  home: string;
  driver: SandboxDriver;
  limits: SandboxLimits;
  logger: Logger;
  signal: AbortSignal;
  /** True once the host is stopping: a failure then is expected, not worth a warning. */
  stopped: () => boolean;
}

/** Fills `model.importance` and `model.holdoutCharts` when done; the promise never rejects. */
export function explainInBackground(opts: ExplainOptions, model: LoadedModel): Promise<void> {
  return prepareExplanations({
    home: opts.home,
    name: model.name,
    version: model.version,
    driver: opts.driver,
    limits: opts.limits,
    logger: opts.logger,
    signal: opts.signal,
  })
    .then(async (done) => {
      if (!done) return;
      model.importance = await readImportance(opts.home, model.name, model.version);
      model.holdoutCharts = await readHoldoutCharts(opts.home, model.name, model.version);
      opts.logger.info({ model: model.name, version: model.version }, 'explanations ready');
    })
    .catch((err: Error) => {
      if (!opts.stopped())
        opts.logger.warn(
          { model: model.name, version: model.version, err: err.message },
          'no permutation importance or holdout charts',
        );
    });
}
