import type { ModelOwner } from '../../core/model-owner.ts';
import type { PredictionClient } from './prediction-client.ts';

type Listed = Awaited<ReturnType<PredictionClient['list']>>;

/** How long a listing is reused; autocomplete asks on every keystroke. */
const FRESH_MS = 30_000;

/**
 * The model list for autocomplete. Discord gives an autocomplete 3 s and it cannot be deferred
 * (10062 after that), while listing reads every model card from the store: answers come from a
 * per-asker cache, refreshed in the background, and a cold or slow listing answers with what it
 * has (stale, or nothing) when `budgetMs` is up instead of missing the deadline.
 */
export class ModelChoices {
  private readonly cache = new Map<string, { at: number; models: Listed }>();
  private readonly loading = new Map<string, Promise<Listed>>();

  constructor(private readonly predictions: Pick<PredictionClient, 'list'>) {}

  async list(asker: ModelOwner, budgetMs: number): Promise<Listed> {
    const key = JSON.stringify([asker.platform, asker.team ?? '', asker.channel ?? '']);
    const hit = this.cache.get(key);
    if (hit !== undefined && Date.now() - hit.at < FRESH_MS) return hit.models;
    let load = this.loading.get(key);
    if (load === undefined) {
      load = this.predictions
        .list(asker)
        .then((models) => (this.cache.set(key, { at: Date.now(), models }), models))
        .finally(() => this.loading.delete(key));
      this.loading.set(key, load);
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((r) => (timer = setTimeout(() => r(null), budgetMs)));
    try {
      return (await Promise.race([load, late])) ?? hit?.models ?? [];
    } catch {
      return hit?.models ?? [];
    } finally {
      clearTimeout(timer);
    }
  }
}
