/**
 * `ouro serve`: the model host, the Hono app and a Node HTTP server on OURO_HOST:OURO_PORT.
 * Closing stops new requests (503), lets in-flight ones finish, then unloads every model.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
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
  close(): Promise<void>;
}

export interface ServerOptions {
  config: Config;
  logger: Logger;
  driver?: SandboxDriver;
  /** Overrides OURO_PORT (0: any free port). */
  port?: number;
  hostname?: string;
  pollMs?: number;
  graceMs?: number;
  /** Listen only; do not wait for the models to load first. */
  listenFirst?: boolean;
}

/** Limits of the serving sandboxes: one thread each (requests run side by side instead). */
export function servingLimits(config: Config): SandboxLimits {
  return { ...DEFAULT_LIMITS, memoryMb: config.OURO_SANDBOX_MEMORY_MB, pids: 64, cpus: 1, outputCapBytes: 64 * 1024, fileSizeMb: 512, tmpMb: 64 };
}

/** The model host and app without a socket (tests use `app.request()`). */
export function createServing(opts: Omit<ServerOptions, 'port' | 'hostname'>): { app: Hono; host: ModelHost; metrics: ServeMetrics; setClosing: () => void } {
  const { config, logger } = opts;
  const metrics = new ServeMetrics();
  const host = new ModelHost({
    home: config.OURO_HOME,
    driver: opts.driver ?? createSandboxDriver(config),
    limits: servingLimits(config),
    logger,
    onnx: config.OURO_SERVE_ONNX,
    workers: config.OURO_SERVE_WORKERS,
    ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
    ...(opts.graceMs !== undefined ? { graceMs: opts.graceMs } : {}),
    onSwap: (m) => metrics.setModel(m.name, m.version, m.path),
  });
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
    isClosing: () => closing,
  });
  return { app, host, metrics, setClosing: () => (closing = true) };
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { config, logger } = opts;
  const serving = createServing(opts);
  const hostStarted = serving.host.start();
  if (opts.listenFirst !== true) await hostStarted;
  const hostname = opts.hostname ?? config.OURO_HOST;
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: serving.app.fetch, port: opts.port ?? config.OURO_PORT, hostname }, () => resolve(s as Server)) as Server;
    s.once('error', reject);
  });
  server.keepAliveTimeout = 65_000;
  const port = (server.address() as AddressInfo).port;
  const shown = hostname.includes(':') ? `[${hostname}]` : hostname;
  const url = `http://${shown === '0.0.0.0' ? '127.0.0.1' : shown}:${port}`;
  logger.info({ url }, 'serving');
  let closed: Promise<void> | null = null;
  return {
    url,
    port,
    app: serving.app,
    host: serving.host,
    close: () => {
      closed ??= (async () => {
        serving.setClosing();
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
