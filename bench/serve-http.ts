import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * The HTTP side of bench:serve (bench/serve.ts): requests over one keep-alive connection, the
 * timed single-row and batch loops, and a one-off POST on a connection of its own.
 */

export const SINGLE = Number(process.env.BENCH_SINGLE ?? 2000);
/** The Python path is ~50x slower: fewer sequential requests keep the bench to a minute or two. */
export const SINGLE_PYTHON = Number(process.env.BENCH_SINGLE_PYTHON ?? 300);
export const BATCH_ROWS = 1000;
export const BATCHES = Number(process.env.BENCH_BATCHES ?? 20);

export const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** One keep-alive POST of a JSON body with the model's key; resolves with the status once the body is read. */
export function post(url: URL, key: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export async function measure(
  base: string,
  name: string,
  key: string,
  rows: Record<string, unknown>[],
  single: number,
) {
  const url = new URL(`${base}/v1/models/${name}/predict`);
  const one = JSON.stringify([rows[0]]);
  for (let i = 0; i < Math.min(200, single); i++) await post(url, key, one); // warm-up
  const times: number[] = [];
  for (let i = 0; i < single; i++) {
    const t = performance.now();
    const status = await post(url, key, JSON.stringify([rows[i % rows.length]]));
    times.push(performance.now() - t);
    if (status !== 200) throw new Error(`status ${status}`);
  }
  times.sort((a, b) => a - b);
  const batch = JSON.stringify(Array.from({ length: BATCH_ROWS }, (_, i) => rows[i % rows.length]));
  await post(url, key, batch);
  const t = performance.now();
  for (let i = 0; i < BATCHES; i++) await post(url, key, batch);
  const seconds = (performance.now() - t) / 1000;
  return {
    p50: quantile(times, 0.5),
    p99: quantile(times, 0.99),
    rowsPerSecond: (BATCHES * BATCH_ROWS) / seconds,
  };
}

/** One POST on its own connection (a refused body is not read to its end, so the socket is not reused). */
export function postOnce(
  url: URL,
  key: string,
  body: Buffer,
  type: string,
): Promise<{ status: number; ms: number }> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { authorization: `Bearer ${key}`, 'content-type': type, 'content-length': body.length },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t }));
      },
    );
    // The server may answer and close before the whole body is written.
    req.on('error', (err) => (req.writableFinished ? reject(err) : undefined));
    req.end(body);
  });
}
