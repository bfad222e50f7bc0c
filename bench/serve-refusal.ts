import { performance } from 'node:perf_hooks';
import { parseCsvRecords } from '../deploy/parse-csv.ts';
import type { startServer } from '../deploy/server.ts';
import { BATCH_ROWS, postOnce } from './serve-http.ts';

/**
 * bench:serve's second part (bench/serve.ts): the cost of refusing a hostile body, a 10 MB CSV
 * of 5M rows, against the old parse-then-count approach and an ordinary request.
 */

export const HUGE_ROWS = 5_000_000;
export const REFUSALS = Number(process.env.BENCH_REFUSALS ?? 5);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Refusing the 10 MB / 5M-row CSV through HTTP, health checks beside it, and the baselines. */
export async function refusal(
  server: Awaited<ReturnType<typeof startServer>>,
  key: string,
  rows: Record<string, unknown>[],
  maxRows: number,
) {
  const url = new URL(`${server.url}/v1/models/pima/predict`);
  const columns = Object.keys(rows[0]!);
  const huge = Buffer.from(`${columns[0]}\n${'1\n'.repeat(HUGE_ROWS)}`);
  const ordinary = Buffer.from(
    [
      columns.join(','),
      ...Array.from({ length: BATCH_ROWS }, (_, i) =>
        columns.map((c) => rows[i % rows.length]![c] ?? '').join(','),
      ),
    ].join('\n'),
  );
  const refused: number[] = [];
  const served: number[] = [];
  const health: number[] = [];
  const parsedBefore = server.metrics.csvRowsParsed('pima');
  for (let i = 0; i < REFUSALS; i++) {
    let done = false;
    const probe = (async () => {
      while (!done) {
        const t = performance.now();
        const res = await fetch(`${server.url}/v2/health/live`);
        await res.arrayBuffer();
        health.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const r = await postOnce(url, key, huge, 'text/csv').finally(() => (done = true));
    await probe;
    if (r.status !== 413) throw new Error(`the 5M-row CSV got ${r.status}, not 413`);
    refused.push(r.ms);
    const ok = await postOnce(url, key, ordinary, 'text/csv');
    if (ok.status !== 200) throw new Error(`the ${BATCH_ROWS}-row CSV got ${ok.status}`);
    served.push(ok.ms);
  }
  const parsedPerRefusal =
    (server.metrics.csvRowsParsed('pima') - parsedBefore - REFUSALS * BATCH_ROWS) / REFUSALS;
  // The old approach, in-process: the whole body decoded and parsed, and only then the rows counted.
  const rss0 = process.memoryUsage().rss;
  const t = performance.now();
  const all = parseCsvRecords(huge.toString('utf8'));
  const oldMs = performance.now() - t;
  const oldRssMb = (process.memoryUsage().rss - rss0) / 1024 / 1024;
  if (all.length <= maxRows) throw new Error('the old approach would have accepted the body');
  return {
    refusedMs: median(refused),
    servedMs: median(served),
    healthMaxMs: Math.max(...health),
    healthChecks: health.length,
    parsedPerRefusal,
    oldMs,
    oldRssMb,
    bytes: huge.length,
  };
}
