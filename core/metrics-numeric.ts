/**
 * Trusted metrics of numeric targets: regression and forecasting, on the host (core/metrics.ts
 * says how they are tested against scikit-learn).
 */
import { EPS, fail, checkFinite, sum, mean, checkRegression } from './metric-checks.ts';
import type { ForecastMetric, RegressionInputs, RegressionMetric } from './metrics.ts';

// ---------------------------------------------------------------------------------------------
// Regression
// ---------------------------------------------------------------------------------------------

/** Root mean squared error, like sklearn's `root_mean_squared_error`. */
export function rmse(yTrue: readonly number[], yPred: readonly number[]): number {
  checkRegression('rmse', yTrue, yPred);
  return Math.sqrt(mean(yTrue.map((y, i) => (y - yPred[i]!) ** 2)));
}

/** Mean absolute error, like sklearn's `mean_absolute_error`. */
export function mae(yTrue: readonly number[], yPred: readonly number[]): number {
  checkRegression('mae', yTrue, yPred);
  return mean(yTrue.map((y, i) => Math.abs(y - yPred[i]!)));
}

/**
 * Coefficient of determination, like sklearn's `r2_score` (default `force_finite=True`).
 *
 * Constant `yTrue` (R² undefined): 1.0 when the predictions are exactly right, else 0.0 — the
 * values sklearn 1.9 documents. We detect "constant" exactly (all values equal) rather than via
 * a floating-point variance, so e.g. yTrue = [0.1, 0.1, 0.1] gives 0.0 here where sklearn's
 * rounded mean (0.10000000000000002) yields a tiny variance and a score of about -5e31.
 * Also like sklearn, a single sample counts as constant.
 */
export function r2(yTrue: readonly number[], yPred: readonly number[]): number {
  checkRegression('r2', yTrue, yPred);
  const ssRes = sum(yTrue.map((y, i) => (y - yPred[i]!) ** 2));
  const first = yTrue[0]!;
  if (yTrue.every((y) => y === first)) return ssRes === 0 ? 1 : 0;
  const m = mean(yTrue);
  const ssTot = sum(yTrue.map((y) => (y - m) ** 2));
  if (ssTot === 0) return ssRes === 0 ? 1 : 0;
  return 1 - ssRes / ssTot;
}

/** All three regression metrics. */
export function regressionMetrics(i: RegressionInputs): Record<RegressionMetric, number> {
  return { rmse: rmse(i.yTrue, i.yPred), mae: mae(i.yTrue, i.yPred), r2: r2(i.yTrue, i.yPred) };
}

// ---------------------------------------------------------------------------------------------
// Forecasting
// ---------------------------------------------------------------------------------------------

/**
 * Mean absolute scaled error (Hyndman & Koehler 2006): the forecast's MAE divided by the
 * in-sample MAE of the seasonal naive forecast on the training history,
 * `mean(|h[t] - h[t - season]|)` for t = season .. len-1.
 *
 * `season` must be a positive integer and the history longer than `season`. When the naive
 * scale is 0 (a history that repeats exactly with that period) it is floored at float64 machine
 * epsilon, as sktime does, so a perfect forecast scores 0 and imperfect ones get large but
 * finite scores that still rank by MAE.
 */
export function mase(
  yTrue: readonly number[],
  yPred: readonly number[],
  yTrainHistory: readonly number[],
  season = 1,
): number {
  checkRegression('mase', yTrue, yPred);
  checkFinite('mase yTrainHistory', yTrainHistory);
  if (!Number.isInteger(season) || season < 1) fail(`mase: season must be a positive integer, got ${season}`);
  if (yTrainHistory.length <= season) {
    fail(`mase: training history has ${yTrainHistory.length} points; need more than season (${season})`);
  }
  const naive: number[] = [];
  for (let t = season; t < yTrainHistory.length; t++) {
    naive.push(Math.abs(yTrainHistory[t]! - yTrainHistory[t - season]!));
  }
  const scale = Math.max(mean(naive), EPS);
  return mae(yTrue, yPred) / scale;
}

/**
 * Symmetric mean absolute percentage error in percent, in [0, 200]:
 * `100 / n * Σ 2|F - A| / (|A| + |F|)`. A term where actual and forecast are both 0 is 0/0 and
 * is defined as 0 (a perfect forecast of zero), so zeros in the series never produce NaN.
 */
export function smape(yTrue: readonly number[], yPred: readonly number[]): number {
  checkRegression('smape', yTrue, yPred);
  const terms = yTrue.map((a, i) => {
    const f = yPred[i]!;
    const denom = Math.abs(a) + Math.abs(f);
    return denom === 0 ? 0 : (2 * Math.abs(f - a)) / denom;
  });
  return 100 * mean(terms);
}

/**
 * MASE, sMAPE and RMSE of a panel forecast. MASE is the mean over series of each series' MAE
 * divided by its own scale (the in-sample seasonal naive MAE of its training part, as `mase`
 * computes it; the split stores it per series so the host never reads the training data). sMAPE
 * and RMSE pool every row.
 */
export function panelForecastMetrics(
  yTrue: readonly number[],
  yPred: readonly number[],
  series: readonly string[],
  scales: Readonly<Record<string, number>>,
): Record<ForecastMetric, number> {
  checkRegression('panel forecast', yTrue, yPred);
  if (series.length !== yTrue.length)
    fail(`panel forecast: ${series.length} series ids for ${yTrue.length} rows`);
  const errors = new Map<string, number[]>();
  yTrue.forEach((y, i) => {
    const id = series[i]!;
    const list = errors.get(id) ?? [];
    list.push(Math.abs(y - yPred[i]!));
    errors.set(id, list);
  });
  const perSeries = [...errors.entries()].map(([id, errs]) => {
    const scale = scales[id];
    if (scale === undefined || !(scale > 0)) fail(`panel forecast: no MASE scale for series ${id}`);
    return mean(errs) / Math.max(scale, EPS);
  });
  return { mase: mean(perSeries), smape: smape(yTrue, yPred), rmse: rmse(yTrue, yPred) };
}
