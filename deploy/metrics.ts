/**
 * The server's Prometheus metrics (text exposition format 0.0.4), kept in memory: requests by
 * model, route and status; a latency histogram by model and route; errors by model and code;
 * rows predicted; CSV rows parsed (which shows a refused body was not parsed past the row cap);
 * which version and path each model serves. Served on its own loopback listener (deploy/server.ts).
 */
import type { PoolStats } from './predictors/python-pool.ts';

const BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function labels(pairs: Record<string, string>): string {
  const body = Object.entries(pairs)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');
  return `{${body}}`;
}

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

export class ServeMetrics {
  private readonly requests = new Map<string, { l: Record<string, string>; v: number }>();
  private readonly errors = new Map<string, { l: Record<string, string>; v: number }>();
  private readonly rows = new Map<string, number>();
  private readonly csvRows = new Map<string, number>();
  private readonly latency = new Map<string, { l: Record<string, string>; h: Histogram }>();
  private readonly info = new Map<string, { version: number; path: string }>();

  observe(model: string, route: string, status: number, seconds: number, errorCode?: string): void {
    const rl = { model, route, status: String(status) };
    const rk = JSON.stringify(rl);
    const r = this.requests.get(rk) ?? { l: rl, v: 0 };
    r.v++;
    this.requests.set(rk, r);
    const ll = { model, route };
    const lk = JSON.stringify(ll);
    const h = this.latency.get(lk) ?? { l: ll, h: { counts: BUCKETS.map(() => 0), sum: 0, count: 0 } };
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) h.h.counts[i]!++;
    });
    h.h.sum += seconds;
    h.h.count++;
    this.latency.set(lk, h);
    if (errorCode !== undefined) {
      const el = { model, route, code: errorCode };
      const ek = JSON.stringify(el);
      const e = this.errors.get(ek) ?? { l: el, v: 0 };
      e.v++;
      this.errors.set(ek, e);
    }
  }

  countRows(model: string, n: number): void {
    this.rows.set(model, (this.rows.get(model) ?? 0) + n);
  }

  /** Data rows the CSV reader parsed for a model, whether the request was then served or refused. */
  countCsvRows(model: string, n: number): void {
    this.csvRows.set(model, (this.csvRows.get(model) ?? 0) + n);
  }

  csvRowsParsed(model: string): number {
    return this.csvRows.get(model) ?? 0;
  }

  /** The shared Python pool's state, read when /metrics is scraped. */
  pool: (() => PoolStats) | null = null;

  setModel(model: string, version: number, path: string): void {
    this.info.set(model, { version, path });
  }

  render(): string {
    const out: string[] = [];
    out.push(
      '# HELP ouro_requests_total Requests by model, route and HTTP status.',
      '# TYPE ouro_requests_total counter',
    );
    for (const r of this.requests.values()) out.push(`ouro_requests_total${labels(r.l)} ${r.v}`);
    out.push(
      '# HELP ouro_request_errors_total Failed requests by model, route and error code.',
      '# TYPE ouro_request_errors_total counter',
    );
    for (const e of this.errors.values()) out.push(`ouro_request_errors_total${labels(e.l)} ${e.v}`);
    out.push(
      '# HELP ouro_request_duration_seconds Request latency by model and route.',
      '# TYPE ouro_request_duration_seconds histogram',
    );
    for (const { l, h } of this.latency.values()) {
      BUCKETS.forEach((b, i) =>
        out.push(`ouro_request_duration_seconds_bucket${labels({ ...l, le: String(b) })} ${h.counts[i]}`),
      );
      out.push(`ouro_request_duration_seconds_bucket${labels({ ...l, le: '+Inf' })} ${h.count}`);
      out.push(`ouro_request_duration_seconds_sum${labels(l)} ${h.sum}`);
      out.push(`ouro_request_duration_seconds_count${labels(l)} ${h.count}`);
    }
    out.push(
      '# HELP ouro_predicted_rows_total Rows predicted by model.',
      '# TYPE ouro_predicted_rows_total counter',
    );
    for (const [model, n] of this.rows) out.push(`ouro_predicted_rows_total${labels({ model })} ${n}`);
    out.push(
      '# HELP ouro_csv_rows_parsed_total CSV data rows parsed by model, including requests refused at the row cap.',
      '# TYPE ouro_csv_rows_parsed_total counter',
    );
    for (const [model, n] of this.csvRows) out.push(`ouro_csv_rows_parsed_total${labels({ model })} ${n}`);
    out.push(
      '# HELP ouro_model_info The version and prediction path each model serves.',
      '# TYPE ouro_model_info gauge',
    );
    for (const [model, i] of this.info)
      out.push(`ouro_model_info${labels({ model, version: String(i.version), path: i.path })} 1`);
    if (this.pool !== null) {
      const p = this.pool();
      out.push(
        '# HELP ouro_python_processes Sandboxed Python serving processes running.',
        '# TYPE ouro_python_processes gauge',
        `ouro_python_processes ${p.processes}`,
      );
      out.push(
        '# HELP ouro_python_resident_bytes Resident memory of the Python serving processes, as they report it (kept under OURO_SERVE_MEMORY_MB).',
        '# TYPE ouro_python_resident_bytes gauge',
        `ouro_python_resident_bytes ${Math.round(p.rssMb * 2 ** 20)}`,
      );
      out.push(
        '# HELP ouro_python_models_loaded Models loaded in the Python serving processes.',
        '# TYPE ouro_python_models_loaded gauge',
        `ouro_python_models_loaded ${p.loaded}`,
      );
      out.push(
        '# HELP ouro_python_model_loads_total Models loaded into a Python serving process.',
        '# TYPE ouro_python_model_loads_total counter',
        `ouro_python_model_loads_total ${p.loads}`,
      );
      out.push(
        '# HELP ouro_python_evictions_total Models unloaded to keep OURO_SERVE_MEMORY_MB.',
        '# TYPE ouro_python_evictions_total counter',
        `ouro_python_evictions_total ${p.evictions}`,
      );
    }
    return out.join('\n') + '\n';
  }
}
