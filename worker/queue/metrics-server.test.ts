/** The worker's metrics server binds loopback unless given another host (OURO_METRICS_HOST). */
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { test } from 'node:test';
import { startWorkerMetricsServer } from './metrics-server.ts';
import { WorkerMetrics } from './worker-metrics.ts';

const handle = { metrics: new WorkerMetrics() };

/** An address of this host that is not loopback, if it has one. */
function externalAddress(): string | null {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}

test('binds 127.0.0.1 by default and serves /metrics there only', async (t) => {
  const server = await startWorkerMetricsServer(handle, async () => ({ waiting: 0 }), 0);
  try {
    assert.equal(server.hostname, '127.0.0.1');
    const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
    assert.match(text, /ouro_runs_active 0\n/);
    const external = externalAddress();
    if (external === null) {
      t.diagnostic('no non-loopback address on this host: reachability from outside not checked');
      return;
    }
    await assert.rejects(
      fetch(`http://${external}:${server.port}/metrics`),
      'the metrics port answered on a non-loopback address',
    );
  } finally {
    await server.close();
  }
});

test('binds the host it is given', async () => {
  const server = await startWorkerMetricsServer(handle, async () => ({}), 0, '0.0.0.0');
  try {
    assert.equal(server.hostname, '0.0.0.0');
  } finally {
    await server.close();
  }
});
