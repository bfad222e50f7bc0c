import type { RunEvent } from '../../core/schemas/events.ts';

const BUCKETS_S = [1, 2, 5, 10, 20, 40, 80, 160, 320];

/** The worker's counters, rendered in Prometheus text format for `/metrics`. */
export class WorkerMetrics {
  active = 0;
  private readonly finished = new Map<string, number>();
  private readonly experimentBuckets = BUCKETS_S.map(() => 0);
  private experimentCount = 0;
  private experimentSum = 0;

  runEnded(status: string): void {
    this.finished.set(status, (this.finished.get(status) ?? 0) + 1);
  }

  observe(event: RunEvent): void {
    if (event.type !== 'experiment.finished' && event.type !== 'experiment.failed') return;
    const s = event.durationMs / 1000;
    this.experimentCount += 1;
    this.experimentSum += s;
    BUCKETS_S.forEach((b, i) => {
      if (s <= b) this.experimentBuckets[i]! += 1;
    });
  }

  render(queue: Record<string, number>): string {
    const lines = [
      '# HELP ouro_runs_active Runs this worker is executing now.',
      '# TYPE ouro_runs_active gauge',
      `ouro_runs_active ${this.active}`,
      '# HELP ouro_runs_queued Runs waiting in the queue (all workers).',
      '# TYPE ouro_runs_queued gauge',
      `ouro_runs_queued ${(queue.waiting ?? 0) + (queue.delayed ?? 0)}`,
      '# HELP ouro_runs_finished_total Runs this worker finished, by outcome.',
      '# TYPE ouro_runs_finished_total counter',
      ...['succeeded', 'failed', 'cancelled'].map(
        (s) => `ouro_runs_finished_total{status="${s}"} ${this.finished.get(s) ?? 0}`,
      ),
      '# HELP ouro_experiment_duration_seconds Wall time of experiments.',
      '# TYPE ouro_experiment_duration_seconds histogram',
      ...BUCKETS_S.map(
        (b, i) => `ouro_experiment_duration_seconds_bucket{le="${b}"} ${this.experimentBuckets[i]}`,
      ),
      `ouro_experiment_duration_seconds_bucket{le="+Inf"} ${this.experimentCount}`,
      `ouro_experiment_duration_seconds_sum ${this.experimentSum}`,
      `ouro_experiment_duration_seconds_count ${this.experimentCount}`,
    ];
    return lines.join('\n') + '\n';
  }
}
