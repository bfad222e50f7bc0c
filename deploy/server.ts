/**
 * `ouro serve`: the model host, the Hono app and a Node HTTP server on OURO_HOST:OURO_PORT,
 * and Prometheus `/metrics` on a second listener, OURO_METRICS_HOST:OURO_METRICS_PORT
 * (loopback by default: the metrics name every model and its traffic, which the public port
 * should not tell anyone). Closing stops new requests (503), lets in-flight ones finish, then
 * unloads every model.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { Config } from '../core/config.ts';
import type { Logger } from '../core/logger.ts';
import { createSandboxDriver } from '../sandbox/create-driver.ts';
import { DEFAULT_LIMITS, type SandboxDriver, type SandboxLimits } from '../sandbox/driver.ts';
import { createApp } from './app.ts';
import { ServeMetrics } from './metrics.ts';
import { ModelHost } from './model-host.ts';

export interface RunningServer {
  /** http://host:port of the listening socket. */
  url: string;
  port: number;
  app: Hono;
  host: ModelHost;
  metrics: ServeMetrics;
  /** http://host:port of the /metrics listener; null when its port could not be bound (logged). */
  metricsUrl: string | null;
  close(): Promise<void>;
}

export interface ServerOptions {
  config: Config;
  logger: Logger;
  driver?: SandboxDriver;
  /** Overrides OURO_PORT (0: any free port). */
  port?: number;
  /** Overrides OURO_METRICS_PORT; when unset and `port` is 0, the metrics listener takes any free port too. */
  metricsPort?: number;
  hostname?: string;
  pollMs?: number;
  graceMs?: number;
  /** Listen only; do not wait for the models to load first. */
  listenFirst?: boolean;
}

/** Limits of the serving sandboxes: one thread each (requests run side by side instead). */
export function servingLimits(config: Config): SandboxLimits {
  return {
    ...DEFAULT_LIMITS,
    memoryMb: config.OURO_SANDBOX_MEMORY_MB,
    pids: 64,
    cpus: 1,
    outputCapBytes: 64 * 1024,
    fileSizeMb: 512,
    tmpMb: 64,
  };
}

/** The model host and app without a socket (tests use `app.request()`). */
export function createServing(opts: Omit<ServerOptions, 'port' | 'hostname'>): {
  app: Hono;
  host: ModelHost;
  metrics: ServeMetrics;
  setClosing: () => void;
} {
  const { config, logger } = opts;
  const metrics = new ServeMetrics();
  const host = new ModelHost({
    home: config.OURO_HOME,
    driver: opts.driver ?? createSandboxDriver(config),
    limits: servingLimits(config),
    logger,
    onnx: config.OURO_SERVE_ONNX,
    workers: config.OURO_SERVE_WORKERS,
    memoryMb: config.OURO_SERVE_MEMORY_MB,
    idleMs: config.OURO_SERVE_IDLE_S * 1000,
    ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
    ...(opts.graceMs !== undefined ? { graceMs: opts.graceMs } : {}),
    onSwap: (m) => metrics.setModel(m.name, m.version, m.path),
  });
  metrics.pool = () => host.poolStats();
  let closing = false;
  const app = createApp({
    host,
    metrics,
    logger,
    home: config.OURO_HOME,
    maxBodyBytes: config.OURO_SERVE_MAX_BODY_MB * 1024 * 1024,
    maxRows: config.OURO_SERVE_MAX_ROWS,
    publicUrl: config.OURO_PUBLIC_URL,
    internalToken: config.OURO_INTERNAL_TOKEN,
    rateLimitPerMinute: config.OURO_SERVE_RATE_LIMIT,
    isClosing: () => closing,
  });
  return { app, host, metrics, setClosing: () => (closing = true) };
}

function listen(fetch: Hono['fetch'], port: number, hostname: string): Promise<Server> {
  return new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch, port, hostname }, () => resolve(s as Server)) as Server;
    s.once('error', reject);
  });
}

function urlOf(server: Server, hostname: string): string {
  const shown = hostname.includes(':') ? `[${hostname}]` : hostname;
  return `http://${shown === '0.0.0.0' ? '127.0.0.1' : shown === '::' ? '[::1]' : shown}:${(server.address() as AddressInfo).port}`;
}

/** The Prometheus endpoint alone, for the metrics listener. */
export function createMetricsApp(metrics: ServeMetrics): Hono {
  const app = new Hono();
  app.get('/metrics', (c) =>
    c.body(metrics.render(), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }),
  );
  app.notFound((c) => c.text('Only /metrics is served here.\n', 404));
  return app;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { config, logger } = opts;
  const serving = createServing(opts);
  const hostStarted = serving.host.start();
  if (opts.listenFirst !== true) await hostStarted;
  const hostname = opts.hostname ?? config.OURO_HOST;
  const server = await listen(serving.app.fetch, opts.port ?? config.OURO_PORT, hostname);
  server.keepAliveTimeout = 65_000;
  const port = (server.address() as AddressInfo).port;
  const url = urlOf(server, hostname);
  logger.info({ url }, 'serving');
  // A taken metrics port does not stop the prediction API (a second `ouro serve` on another
  // OURO_HOME, say): it is logged, and the API serves without /metrics.
  const metricsHost = config.OURO_METRICS_HOST;
  let metricsServer: Server | null = null;
  try {
    metricsServer = await listen(
      createMetricsApp(serving.metrics).fetch,
      opts.metricsPort ?? (opts.port === 0 ? 0 : config.OURO_METRICS_PORT),
      metricsHost,
    );
    logger.info({ url: `${urlOf(metricsServer, metricsHost)}/metrics` }, 'metrics');
  } catch (err) {
    logger.warn(
      { err: (err as Error).message },
      `/metrics is not served: ${metricsHost}:${config.OURO_METRICS_PORT} could not be bound; set OURO_METRICS_PORT to a free port`,
    );
  }
  let closed: Promise<void> | null = null;
  return {
    url,
    port,
    app: serving.app,
    host: serving.host,
    metrics: serving.metrics,
    metricsUrl: metricsServer === null ? null : urlOf(metricsServer, metricsHost),
    close: () => {
      closed ??= (async () => {
        serving.setClosing();
        metricsServer?.close();
        metricsServer?.closeAllConnections();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          // Keep-alive sockets with a request in flight close after their response.
          setTimeout(() => server.closeAllConnections(), 10_000).unref();
        });
        await hostStarted.catch(() => undefined);
        await serving.host.stop();
      })();
      return closed;
    },
  };
}
