import { listModels, readCard } from '../../core/registry.ts';
import { mayUse, type ModelAccess, type ModelOwner } from '../../core/model-owner.ts';
import type { ModelCard } from '../../core/schemas/model-card.ts';
import type { ArtifactStore } from '../../core/store/artifact-store.ts';
import { listStoreModels, readStoreCard } from '../../core/store/store-registry.ts';

/** An error of the prediction API, with its code (docs/api.md) and message for a person. */
export class PredictionError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'PredictionError';
  }
}

export interface ModelInfo {
  name: string;
  inputs: { name: string; datatype: string }[];
  classes: string[] | null;
  task: string;
  target: string;
  metric: string;
  version: number;
  /** A row the model accepts, when the server has one. */
  example: Record<string, unknown> | null;
}

export interface Prediction {
  model: string;
  version: number;
  predictions: unknown[];
  probabilities: Record<string, number>[] | null;
  warnings: string[];
  /** Inputs the caller left out, sent as missing. */
  filled: string[];
}

export interface PredictionClientOptions {
  /** The prediction API's base URL (OURO_PUBLIC_URL, or where `ouro serve` listens). */
  baseUrl: string;
  /** OURO_INTERNAL_TOKEN: accepted by the API for every model. */
  token: string | undefined;
  /** OURO_HOME, for the list of models. */
  home: string;
  /** With a remote artifact store the registry is in the bucket, not under `home`. */
  artifacts?: ArtifactStore;
  /** How long to wait for a model that is still loading. */
  loadingWaitMs?: number;
  /** Which models an asker may list and query (OURO_MODEL_ACCESS; core/model-owner.ts). Default `team`. */
  access?: ModelAccess;
}

/**
 * `/predict` talks to the prediction API over HTTP, like any client, with the internal service
 * token: the bot never loads a model itself.
 */
export class PredictionClient {
  constructor(private readonly opts: PredictionClientOptions) {}

  /** The models `asker` may use (all of them when no asker is given: the operator's own tools). */
  async list(asker?: ModelOwner): Promise<{ name: string; version: number; card: ModelCard | null }[]> {
    const remote = this.opts.artifacts;
    let all: { name: string; version: number; card: ModelCard | null }[];
    if (remote !== undefined && remote.kind !== 'fs') {
      const models = await listStoreModels(remote);
      all = await Promise.all(
        models.map(async (m) => ({
          name: m.name,
          version: m.version,
          card: await readStoreCard(remote, m.name, m.version).catch(() => null),
        })),
      );
    } else {
      const models = await listModels(this.opts.home);
      all = await Promise.all(
        models.map(async (m) => ({
          name: m.name,
          version: m.version,
          card: await readCard(this.opts.home, m.name).catch(() => null),
        })),
      );
    }
    // A model whose card cannot be read is not listed to chat: its owner is unknown.
    return asker === undefined
      ? all
      : all.filter((m) => m.card !== null && mayUse(m.card.owner, asker, this.access));
  }

  private get access(): ModelAccess {
    return this.opts.access ?? 'team';
  }

  /**
   * Refuses a model the asker may not use with the same answer as a model that does not exist:
   * other teams' model names are not disclosed.
   */
  private async assertMayUse(name: string, asker: ModelOwner | undefined): Promise<void> {
    if (asker === undefined) return;
    const remote = this.opts.artifacts;
    const card = await (
      remote !== undefined && remote.kind !== 'fs'
        ? readStoreCard(remote, name)
        : readCard(this.opts.home, name)
    ).catch(() => null);
    if (card === null || !mayUse(card.owner, asker, this.access))
      throw new PredictionError('model_not_found', `No model named "${name}".`, 404);
  }

  async describe(
    name: string,
    opts: { loadingWaitMs?: number; asker?: ModelOwner } = {},
  ): Promise<ModelInfo> {
    await this.assertMayUse(name, opts.asker);
    const body = (await this.call(
      'GET',
      `/v2/models/${encodeURIComponent(name)}`,
      undefined,
      opts.loadingWaitMs,
    )) as {
      inputs: { name: string; datatype: string }[];
      classes?: string[];
      ouro: {
        version: number;
        task: string;
        target: string;
        metric: string;
        example?: Record<string, unknown>;
      };
    };
    return {
      name,
      inputs: body.inputs,
      classes: body.classes ?? null,
      task: body.ouro.task,
      target: body.ouro.target,
      metric: body.ouro.metric,
      version: body.ouro.version,
      example: body.ouro.example ?? null,
    };
  }

  /** Predicts rows; inputs the rows leave out are sent as missing (the model imputes them) and reported. */
  async predict(name: string, rows: Record<string, unknown>[], asker?: ModelOwner): Promise<Prediction> {
    const info = await this.describe(name, asker !== undefined ? { asker } : {});
    const filled = new Set<string>();
    const complete = rows.map((r) => {
      const row = { ...r };
      for (const i of info.inputs) {
        if (!(i.name in row)) {
          row[i.name] = null;
          filled.add(i.name);
        }
      }
      return row;
    });
    const body = (await this.call(
      'POST',
      `/v1/models/${encodeURIComponent(name)}/predict`,
      complete,
    )) as Omit<Prediction, 'filled' | 'probabilities'> & { probabilities?: Record<string, number>[] };
    return {
      model: body.model,
      version: body.version,
      predictions: body.predictions,
      probabilities: body.probabilities ?? null,
      warnings: body.warnings ?? [],
      filled: [...filled],
    };
  }

  private async call(
    method: 'GET' | 'POST',
    path: string,
    json?: unknown,
    loadingWaitMs?: number,
  ): Promise<unknown> {
    if (this.opts.token === undefined)
      throw new PredictionError(
        'not_configured',
        'The bot has no OURO_INTERNAL_TOKEN, so it cannot query models. Set the same OURO_INTERNAL_TOKEN for the bot and the prediction server.',
        0,
      );
    const deadline = Date.now() + (loadingWaitMs ?? this.opts.loadingWaitMs ?? 20_000);
    for (;;) {
      let res: Response;
      try {
        res = await fetch(`${this.opts.baseUrl.replace(/\/$/, '')}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${this.opts.token}`,
            ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
          signal: AbortSignal.timeout(30_000),
        });
      } catch (err) {
        throw new PredictionError(
          'unreachable',
          `The prediction API at ${this.opts.baseUrl} did not answer (${(err as Error).message}). Is \`ouro serve\` running, and OURO_PUBLIC_URL right?`,
          0,
        );
      }
      const body = (await res.json().catch(() => null)) as { error?: string; code?: string } | null;
      if (res.ok) return body;
      const code = body?.code ?? `http_${res.status}`;
      if (res.status === 503 && code === 'model_loading' && Date.now() < deadline) {
        await new Promise((r) =>
          setTimeout(r, 1000 * Math.min(5, Number(res.headers.get('retry-after') ?? 2) || 2)),
        );
        continue;
      }
      if (res.status === 401 || (res.status === 403 && code === 'forbidden')) {
        throw new PredictionError(
          code,
          "The prediction API refused the bot's token: set the same OURO_INTERNAL_TOKEN for the bot and `ouro serve`.",
          res.status,
        );
      }
      throw new PredictionError(
        code,
        body?.error ?? `The prediction API answered ${res.status}.`,
        res.status,
      );
    }
  }
}
