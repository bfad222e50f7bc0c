import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { RunWorkerHandle } from './run-worker.ts';

/**
 * `/metrics` (Prometheus text) and `/health` for a worker, on the one HTTP stack. It binds
 * loopback unless told otherwise (OURO_METRICS_HOST): the counters describe the runs, and a
 * scraper on the same host or a sidecar is the usual reader.
 */
export function startWorkerMetricsServer(
  handle: Pick<RunWorkerHandle, 'metrics'>,
  queueCounts: () => Promise<Record<string, number>>,
  port: number,
  hostname = '127.0.0.1',
): Promise<{ port: number; hostname: string; close(): Promise<void> }> {
  const app = new Hono();
  app.get('/health', (c) => c.json({ ok: true, active: handle.metrics.active }));
  app.get('/metrics', async (c) =>
    c.text(handle.metrics.render(await queueCounts()), 200, { 'content-type': 'text/plain; version=0.0.4' }),
  );
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port, hostname }, (info) => {
      resolve({
        port: info.port,
        hostname: info.address,
        close: () => new Promise<void>((r) => (server as Server).close(() => r())),
      });
    });
  });
}
