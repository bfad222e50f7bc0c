/** The prediction routes (docs/api.md): v1 predict, Open Inference Protocol v2 infer, v1 forecast. */
import type { Context, Hono } from 'hono';
import { ServeError } from './errors.ts';
import type { LoadedModel } from './loaded-model.ts';
import { modelRoute, type RouteKit } from './model-route.ts';
import { isForecaster, type Predictions } from './predictors/predictor.ts';
import { readJsonBody } from './request-body.ts';
import { probabilityObjects, v1Rows, v2Rows, type V2Request } from './request-rows.ts';
import { prepareForecast } from './validate-forecast.ts';
import { prepareBatch, type PreparedBatch } from './validate-request.ts';

/** A prediction route: the body's rows validated against the signature, then the predictor. */
const predictRoute = (
  kit: RouteKit,
  route: string,
  read: (c: Context, name: string) => Promise<{ rows: unknown[]; extra?: V2Request }>,
  respond: (c: Context, m: LoadedModel, p: Predictions, batch: PreparedBatch, extra?: V2Request) => Response,
) =>
  modelRoute(kit)(route, async (c, name, acquire) => {
    const { rows, extra } = await read(c, name);
    const lease = await acquire();
    const batch = prepareBatch(lease.model.inputs, rows, kit.opts.maxRows);
    // ?explain=true (v1): per-row contributions, computed on the Python path (docs/api.md).
    const explainer =
      route === 'v1_predict' && c.req.query('explain') === 'true' ? lease.model.explainer : null;
    if (route === 'v1_predict' && c.req.query('explain') === 'true' && explainer === null)
      throw new ServeError(400, 'bad_request', 'This model does not explain its predictions.');
    const predictions =
      explainer !== null ? await explainer.explain(batch) : await lease.model.predictor.predict(batch);
    return { response: respond(c, lease.model, predictions, batch, extra), rows: batch.rows };
  });

export function addPredictionRoutes(app: Hono, kit: RouteKit): void {
  const { opts, limits } = kit;
  const { metrics } = opts;
  app.post(
    '/v1/models/:name/predict',
    predictRoute(
      kit,
      'v1_predict',
      async (c, name) => ({ rows: await v1Rows(c.req.raw, limits, (n) => metrics.countCsvRows(name, n)) }),
      (c, m, p, batch) =>
        c.json({
          model: m.name,
          version: m.version,
          predictions: p.predictions,
          ...(m.signature.task !== 'regression' && p.probabilities !== null
            ? { probabilities: probabilityObjects(m, p.probabilities) }
            : {}),
          ...(p.explanations !== undefined ? { explanations: p.explanations } : {}),
          warnings: batch.warnings,
        }),
    ),
  );

  app.post(
    '/v2/models/:name/infer',
    predictRoute(
      kit,
      'v2_infer',
      async (c) => {
        const req = v2Rows(await readJsonBody(c.req.raw, limits));
        return { rows: req.rows, extra: req };
      },
      (c, m, p, batch, req) => {
        const n = batch.rows;
        const classifier = m.signature.task !== 'regression';
        const outputs: Record<string, unknown>[] = [
          { name: 'predict', datatype: classifier ? 'BYTES' : 'FP64', shape: [n], data: p.predictions },
        ];
        if (classifier && p.probabilities !== null) {
          const k = m.signature.classes?.length ?? 0;
          outputs.push({
            name: 'predict_proba',
            datatype: 'FP64',
            shape: [n, k],
            data: p.probabilities.flat(),
            parameters: { classes: (m.signature.classes ?? []).join(',') },
          });
        }
        const wanted = req?.outputs ?? null;
        return c.json({
          model_name: m.name,
          model_version: String(m.version),
          ...(req?.id !== undefined ? { id: req.id } : {}),
          outputs: wanted === null ? outputs : outputs.filter((o) => wanted.includes(String(o.name))),
          ...(batch.warnings.length > 0 ? { warnings: batch.warnings } : {}),
        });
      },
    ),
  );

  app.post(
    '/v1/models/:name/forecast',
    modelRoute(kit)('v1_forecast', async (c, name, acquire) => {
      const body = (await readJsonBody(c.req.raw, limits)) ?? {};
      const lease = await acquire();
      const request = prepareForecast(lease.model.signature, body, opts.maxRows);
      const predictor = lease.model.predictor;
      if (!isForecaster(predictor))
        throw new ServeError(400, 'not_a_forecaster', 'This model version is not served by a forecaster.');
      const result = await predictor.forecast(request);
      const f = lease.model.signature.forecast!;
      return {
        response: c.json({
          model: name,
          version: lease.model.version,
          series: result.series,
          frequency: f.frequency,
          ...(f.intervals ? { level: f.level } : {}),
          forecasts: result.forecasts,
        }),
        rows: result.forecasts.length,
      };
    }),
  );
}
