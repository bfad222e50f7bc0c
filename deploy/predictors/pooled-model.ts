/** One model version as the Python pool (python-pool.ts) serves it: the request protocol of a prediction, an explanation, a forecast or a description. */
import type { FeatureSpec } from '../clean-values.ts';
import { ServeError } from '../errors.ts';
import type { PreparedBatch } from '../validate-request.ts';
import type { ForecastPoint, ForecastRequest, Forecaster, Predictions, Predictor } from './predictor.ts';
import type { PythonPool } from './python-pool.ts';
import type { DescribeReply } from './python-worker.ts';

/** A model version served by the pool. */
export class PooledModel implements Predictor, Forecaster {
  readonly kind = 'python' as const;

  constructor(
    private readonly pool: PythonPool,
    private readonly group: string,
    readonly key: string,
    private readonly modelDir: string,
  ) {}

  /** Loads the model (if not yet) and returns what the cleaner knows of its inputs. */
  async describe(): Promise<DescribeReply> {
    const reply = await this.pool.request(this.group, this.key, this.modelDir, { describe: true });
    if (!('features' in reply))
      throw new ServeError(
        500,
        'predictor_failed',
        'The Python worker answered a description with something else.',
      );
    return reply;
  }

  async features(): Promise<FeatureSpec[]> {
    return (await this.describe()).features;
  }

  async predict(batch: PreparedBatch): Promise<Predictions> {
    return this.answer(batch, false);
  }

  /** Predictions with each row's contributions (400 for a family without exact ones). */
  async explain(batch: PreparedBatch): Promise<Predictions> {
    return this.answer(batch, true);
  }

  private async answer(batch: PreparedBatch, explain: boolean): Promise<Predictions> {
    const reply = await this.pool.request(this.group, this.key, this.modelDir, {
      rows: batch.records,
      ...(explain ? { explain: true } : {}),
    });
    if (!('predictions' in reply))
      throw new ServeError(
        500,
        'predictor_failed',
        'The Python worker answered a prediction with something else.',
      );
    const probabilities =
      reply.probabilities === null ? null : reply.probabilities.map((row) => row.map((v) => v ?? 0));
    return {
      predictions: reply.predictions,
      probabilities,
      ...(reply.explanations !== undefined ? { explanations: reply.explanations } : {}),
    };
  }

  async forecast(request: ForecastRequest): Promise<{ series: string; forecasts: ForecastPoint[] }> {
    const reply = await this.pool.request(this.group, this.key, this.modelDir, { forecast: request });
    if (!('forecasts' in reply))
      throw new ServeError(
        500,
        'predictor_failed',
        'The Python worker answered a forecast with something else.',
      );
    return { series: reply.series, forecasts: reply.forecasts };
  }

  close(): Promise<void> {
    return this.pool.release(this.group, this.key);
  }
}
