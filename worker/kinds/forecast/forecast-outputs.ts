import {
  checkUntrustedFile,
  checkUntrustedTree,
  copyHostFileInto,
  freshHostDir,
  UNTRUSTED_CAPS,
} from '../../../core/untrusted-files.ts';
import { join } from 'node:path';
import type { Logger } from '../../../core/logger.ts';
import type { RunPaths } from '../../../core/run-paths.ts';
import type { SeriesDiagnosis } from '../../../core/schemas/diagnosis.ts';
import type { ModelCard } from '../../../core/schemas/model-card.ts';
import type { ForecastSetup } from '../../../core/schemas/profile.ts';
import type { SandboxDriver, SandboxLimits } from '../../../sandbox/driver.ts';
import { runTrustedStep } from '../../sandbox-steps.ts';

/** The forecast-against-holdout chart's file name, in the run's validation folder and the registry. */
export const FORECAST_CHART = 'forecast.png';

/** One line for the thread: what was wrong with the series and what ouro did about it. */
export function seriesDiagnosisLine(d: SeriesDiagnosis): string {
  return `${d.class}: ${d.evidence}. Fix: ${d.fix}.`;
}

export function forecastCardInfo(f: ForecastSetup, chart: string | null): NonNullable<ModelCard['forecast']> {
  return {
    dateColumn: f.dateColumn,
    idColumn: f.idColumn,
    frequency: f.frequency,
    frequencyLabel: f.frequencyLabel,
    seasonLength: f.seasonLength,
    horizon: f.horizon,
    series: f.series,
    chart,
  };
}

/**
 * Refits the chosen forecaster on training + holdout, so the served model forecasts from the
 * end of the data. Like the chart, this runs only after the holdout is scored. Returns the
 * refitted model folder, or null (the train-only model is then served, and the log says why).
 */
export async function refitForecastModel(opts: {
  driver: SandboxDriver;
  limits: SandboxLimits;
  paths: RunPaths;
  modelDir: string;
  logger: Logger;
  timeoutMs: number;
}): Promise<string | null> {
  // The validation folder was writable while the model predicted: whatever it planted at this
  // name is removed, and the labels are written without following links.
  const dir = join(opts.paths.validation, 'refit');
  await freshHostDir(dir, { root: opts.paths.validation });
  const actuals = join(dir, 'actuals.json');
  await copyHostFileInto(opts.paths.labels, actuals, { root: dir });
  const out = join(dir, 'model');
  try {
    await runTrustedStep({
      driver: opts.driver,
      limits: opts.limits,
      args: [
        'forecast-refit',
        '--model',
        opts.modelDir,
        '--features',
        opts.paths.holdoutFeatures,
        '--actuals',
        actuals,
        '--out',
        out,
      ],
      cwd: dir,
      mounts: [{ path: opts.paths.holdout }, { path: opts.modelDir }, { path: dir, writable: true }],
      timeoutMs: opts.timeoutMs,
      doing: 'refitting the forecaster on all the data',
    });
    // The step loaded the model: its output folder is checked like any sandbox output.
    const checked = await checkUntrustedTree(out, { root: dir });
    if (checked !== 'ok') throw checked === 'missing' ? new Error('the refit wrote no model') : checked;
    return out;
  } catch (err) {
    opts.logger.warn({ err }, 'forecast refit failed');
    return null;
  }
}

/**
 * Draws the validated model's forecast against the holdout. Runs after the holdout is scored,
 * so the actual values may enter this (trusted, harness-only) sandbox step; no experiment
 * runs after it. A chart that cannot be drawn is logged and left off the card.
 */
export async function drawForecastChart(opts: {
  driver: SandboxDriver;
  limits: SandboxLimits;
  paths: RunPaths;
  modelDir: string;
  logger: Logger;
}): Promise<string | null> {
  const dir = join(opts.paths.validation, 'chart');
  await freshHostDir(dir, { root: opts.paths.validation });
  const actuals = join(dir, 'actuals.json');
  await copyHostFileInto(opts.paths.labels, actuals, { root: dir });
  const out = join(dir, FORECAST_CHART);
  try {
    await runTrustedStep({
      driver: opts.driver,
      limits: opts.limits,
      args: [
        'forecast-chart',
        '--model',
        opts.modelDir,
        '--features',
        opts.paths.holdoutFeatures,
        '--actuals',
        actuals,
        '--out',
        out,
      ],
      cwd: dir,
      mounts: [{ path: opts.paths.holdout }, { path: opts.modelDir }, { path: dir, writable: true }],
      timeoutMs: 120_000,
      doing: 'drawing the forecast chart',
    });
    const checked = await checkUntrustedFile(out, { root: dir, maxBytes: UNTRUSTED_CAPS.image });
    if (checked !== 'ok') throw checked === 'missing' ? new Error('the chart step wrote no chart') : checked;
    return out;
  } catch (err) {
    opts.logger.warn({ err }, 'forecast chart failed');
    return null;
  }
}
