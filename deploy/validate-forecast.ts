import { z } from 'zod';
import { ServeError } from './errors.ts';
import type { ForecastRequest } from './predictors/predictor.ts';
import type { Signature } from './signature.ts';

const ForecastBodySchema = z.object({
  series: z.union([z.string(), z.number()]).transform(String).optional(),
  horizon: z.number().int().positive().optional(),
  history: z.array(z.object({ date: z.string().min(1), value: z.number().finite() })).optional(),
  future: z.array(z.record(z.string(), z.unknown())).optional(),
});

/**
 * Checks a forecast request against the model's signature before it reaches Python: the model
 * forecasts, the series exists, the horizon and history are within the server's row limit, and
 * every date of the history parses.
 */
export function prepareForecast(signature: Signature, body: unknown, maxRows: number): ForecastRequest {
  const f = signature.forecast;
  // Only forecasters' signatures carry the series axis.
  if (f === undefined) {
    throw new ServeError(
      400,
      'not_a_forecaster',
      `This is a ${signature.task} model; send rows to /v1/models/{name}/predict instead.`,
    );
  }
  const parsed = ForecastBodySchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ServeError(
      400,
      'bad_request',
      `Forecast request: ${issue.path.join('.') || 'body'}: ${issue.message}. Send {"series": "<id>", "horizon": 12, "history": [{"date": "2024-01-01", "value": 1.5}]}.`,
    );
  }
  const req = parsed.data;
  const known = f.series.map((s) => s.id);
  if (req.series === undefined && known.length > 1) {
    throw new ServeError(
      400,
      'bad_request',
      `This model forecasts ${known.length} series; name one in "series" (for example "${known[0]}").`,
    );
  }
  if (req.series !== undefined && f.idColumn !== null && !known.includes(req.series)) {
    throw new ServeError(
      422,
      'invalid_value',
      `Unknown series "${req.series}"; the model knows ${known
        .slice(0, 20)
        .map((k) => `"${k}"`)
        .join(', ')}${known.length > 20 ? ', …' : ''}.`,
    );
  }
  const horizon = req.horizon ?? f.horizon;
  if (horizon > maxRows)
    throw new ServeError(
      413,
      'too_many_rows',
      `A horizon of ${horizon} steps is more than this server's ${maxRows} rows per request (OURO_SERVE_MAX_ROWS).`,
    );
  if ((req.history?.length ?? 0) > maxRows)
    throw new ServeError(
      413,
      'too_many_rows',
      `The history has ${req.history!.length} points; the limit is ${maxRows} (OURO_SERVE_MAX_ROWS).`,
    );
  for (const [row, h] of (req.history ?? []).entries()) {
    if (Number.isNaN(Date.parse(h.date)))
      throw new ServeError(
        422,
        'invalid_value',
        `history[${row}].date "${h.date}" is not a date (use ISO 8601, e.g. 2024-01-31).`,
        [{ row, column: 'date', expected: 'datetime', value: h.date }],
      );
  }
  if (f.exog.length > 0 && (req.future?.length ?? 0) < horizon) {
    throw new ServeError(
      422,
      'missing_column',
      `This model uses ${f.exog.map((c) => `"${c}"`).join(', ')} as known-ahead inputs: send "future" with one row per forecast date (${horizon}), each with "${f.dateColumn}" and those columns.`,
    );
  }
  return {
    ...(req.series !== undefined ? { series: req.series } : {}),
    horizon,
    ...(req.history ? { history: req.history } : {}),
    ...(req.future ? { future: req.future } : {}),
  };
}
