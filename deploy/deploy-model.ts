/**
 * What `ouro run` calls after publishing a model: make sure the model has a key, make sure a
 * server runs, wait until it serves this version, and say how to call it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../core/config.ts';
import { OuroError } from '../core/errors.ts';
import { currentVersion } from '../core/registry.ts';
import { createKeyIfMissing } from './api-keys.ts';
import { ensureBackgroundServer } from './background-server.ts';
import { curlExample, forecastCurl } from './model-examples.ts';
import { readExportDoc, readServing, servingPaths } from './serving-files.ts';
import { readSignature } from './signature.ts';

export interface DeployResult {
  /** POST here: `<base>/v1/models/<name>/predict`. */
  url: string;
  /** The model's page: `<base>/models/<name>`. */
  pageUrl: string;
  /** The model's key, only when this call created it (shown once, stored only as a hash). */
  key?: string;
  /** A ready-to-paste curl (with the key when new, else `$OURO_KEY`). */
  curl: string;
  version: number;
  /** Whether the server answered with this version before the timeout. */
  ready: boolean;
  /** 'onnx' or 'python' once ready. */
  path: 'onnx' | 'python' | null;
  /** Why that path, or why not ready. */
  note: string;
  /** Whether this call started the background server. */
  startedServer: boolean;
}

export interface DeployOptions {
  config: Config;
  name: string;
  version: number;
  /** How long to wait for the server to serve this version (it may export to ONNX first). */
  timeoutMs?: number;
}

function baseUrl(config: Config, serverUrl: string): string {
  if (config.OURO_PUBLIC_URL !== undefined) return config.OURO_PUBLIC_URL.replace(/\/$/, '');
  const host = config.OURO_HOST === '0.0.0.0' || config.OURO_HOST === '::' ? '127.0.0.1' : config.OURO_HOST;
  const port = new URL(serverUrl).port || String(config.OURO_PORT);
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export async function deployModel(opts: DeployOptions): Promise<DeployResult> {
  const { config, name, version } = opts;
  const current = await currentVersion(config.OURO_HOME, name);
  if (current === null) throw new OuroError('model_not_found', `No model named "${name}" in the registry.`);
  const key = await createKeyIfMissing(config.OURO_HOME, name);
  const { state, started } = await ensureBackgroundServer(config);
  const base = baseUrl(config, state.url);
  const url = `${base}/v1/models/${encodeURIComponent(name)}/predict`;

  // Wait until the server serves this version (a newer one also counts: the name is an alias).
  const deadline = Date.now() + (opts.timeoutMs ?? 180_000);
  let ready = false;
  let path: 'onnx' | 'python' | null = null;
  let note = 'the server has not loaded it yet';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${state.url}/v2/models/${encodeURIComponent(name)}/ready`, {
        signal: AbortSignal.timeout(5000),
      });
      const body = (await res.json()) as {
        ready?: boolean;
        version?: number | null;
        path?: 'onnx' | 'python' | null;
        error?: string | null;
        loading?: number | null;
      };
      if (body.ready === true && (body.version ?? 0) >= version) {
        ready = true;
        path = body.path ?? null;
        break;
      }
      if (body.error && body.loading == null && body.version !== version) {
        note = `the server could not load it: ${body.error}`;
        break;
      }
    } catch {
      // not answering yet
    }
    await sleep(250);
  }

  const paths = servingPaths(config.OURO_HOME, name, version);
  const doc = await readExportDoc(config.OURO_HOME, name, version);
  if (ready) note = (await readServing(config.OURO_HOME, name, version))?.reason ?? `served by ${path}`;
  let example: Record<string, unknown> = {};
  const first = doc?.reference?.rows[0];
  const signature = await readSignature(paths.model);
  if (first !== undefined) example = first;
  else {
    for (const i of signature.inputs)
      example[i.name] = i.categories?.[0] ?? (i.dtype === 'number' ? 0 : i.dtype === 'boolean' ? true : '');
  }
  // A forecaster is asked for "the next H values"; its curl shows that route.
  const f = signature.forecast;
  const curl =
    f !== undefined
      ? forecastCurl(
          url.replace(/\/predict$/, '/forecast'),
          f.idColumn !== null ? (f.series[0]?.id ?? null) : null,
          f.horizon,
          key,
        )
      : curlExample(url, example, key);
  return {
    url,
    pageUrl: `${base}/models/${encodeURIComponent(name)}`,
    ...(key !== null ? { key } : {}),
    curl,
    version,
    ready,
    path,
    note,
    startedServer: started,
  };
}
