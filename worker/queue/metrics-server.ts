import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { RunWorkerHandle } from './run-worker.ts';

/** `/metrics` (Prometheus text) and `/health` for a worker, on the one HTTP stack. */
export function startWorkerMetricsServer(handle: RunWorkerHandle, queueCounts: () => Promise<Record<string, number>>, port: number, hostname = '0.0.0.0'): Promise<{ port: number; close(): Promise<void> }> {
  const app = new Hono();
  app.get('/health', (c) => c.json({ ok: true, active: handle.metrics.active }));
  app.get('/metrics', async (c) => c.text(handle.metrics.render(await queueCounts()), 200, { 'content-type': 'text/plain; version=0.0.4' }));
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port, hostname }, (info) => {
      resolve({
        port: info.port,
        close: () => new Promise<void>((r) => (server as Server).close(() => r())),
      });
    });
  });
}
