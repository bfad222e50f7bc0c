import { z } from 'zod';
import { OuroError } from '../../../core/errors.ts';
import { panelForecastMetrics } from '../../../core/metrics.ts';
import type { Publication, TaskKind } from '../task-kind.ts';
import {
  drawForecastChart,
  FORECAST_CHART,
  forecastCardInfo,
  refitForecastModel,
  seriesDiagnosisLine,
} from './forecast-outputs.ts';
import { writeForecastScript } from './write-forecast-script.ts';

/** A forecasting vault holds, per holdout row, its value and series; per series, MASE's scale; the seasonal naive forecast. */
const ForecastVaultSchema = z.object({
  labels: z.array(z.number()),
  series: z.array(z.string()),
  scales: z.record(z.string(), z.number().positive()),
  baseline: z.array(z.number()),
});

/**
 * Forecasting (docs/architecture.md, "Forecasting"): the last horizon of every series held out,
 * statistical forecasters and boosting on lags scored by rolling origin, seasonal naive as the
 * baseline, then a chart and a refit on all the data before the forecaster is published.
 */
export const forecastKind: TaskKind = {
  id: 'forecasting',
  publishes: 'model',
  splitArgs: (understood) => {
    const f = understood.forecast;
    if (f === undefined) throw new OuroError('internal', 'a forecasting run needs its time axis');
    return [
      '--date-column',
      f.dateColumn,
      ...(f.idColumn !== null ? ['--id-column', f.idColumn] : []),
      ...(f.horizon !== null ? ['--horizon', String(f.horizon), '--horizon-unit', f.unit ?? 'step'] : []),
    ];
  },
  dataFindings: (analysis) => (analysis.forecast?.diagnoses ?? []).map(seriesDiagnosisLine),
  playbook: {
    // Every forecaster is cheap and the baseline is the seasonal naive floor: always drafted.
    skipBaselineWhenShort: false,
    blendMembers: 3,
    // Forecasting scripts have no column guards to switch on, and the playbook drafts every
    // family anyway: only a lighter run (timeout) is worth a fix; otherwise move on.
    fixes: (diagnosis) => diagnosis === 'timeout',
    sizesDrafts: false,
    featureSteps: false,
  },
  // The LLM's script rules describe the tabular experiment API only.
  llm: {
    writes: false,
    why: 'the LLM brain does not write forecasting experiments yet',
    note: 'The LLM brain does not write forecasting experiments yet; the heuristic forecasting playbook runs this forecast.',
  },
  writeScript: (input) => writeForecastScript(input),
  scoreHoldout: (input) => {
    const vault = ForecastVaultSchema.parse(input.vault);
    const yTrue = vault.labels;
    const yPred = input.predictions.map((p) => (p === null ? Number.NaN : Number(p)));
    if (yPred.some((p) => !Number.isFinite(p))) {
      throw new OuroError(
        'run_failed',
        `The model left ${yPred.filter((p) => !Number.isFinite(p)).length} of the ${yPred.length} holdout dates without a forecast.`,
      );
    }
    return {
      all: panelForecastMetrics(yTrue, yPred, vault.series, vault.scales),
      baselineAll: panelForecastMetrics(yTrue, vault.baseline, vault.series, vault.scales),
    };
  },
  afterJudging: async (ctx): Promise<Publication> => {
    const { analysis } = ctx;
    const chart = await drawForecastChart(ctx);
    // A forecaster is served from the end of all the data: refit on training + holdout once scored.
    const refitted = await refitForecastModel(ctx);
    const findings = [
      refitted !== null
        ? `The served model was refit on all ${analysis.trainRows + analysis.holdoutRows} points (training + holdout) after scoring; the scores above are the training-only fit's.`
        : 'The served model forecasts from the end of the training part (refitting on the holdout failed; see the log); send newer observations in "history".',
    ];
    return {
      servedDir: refitted ?? ctx.modelDir,
      extraFiles: chart !== null ? [{ from: chart, name: FORECAST_CHART }] : [],
      findings,
      card: analysis.forecast
        ? { forecast: forecastCardInfo(analysis.forecast, chart !== null ? FORECAST_CHART : null) }
        : {},
    };
  },
};
