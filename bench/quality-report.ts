/** bench:quality's record of one run and its summary table (the runs come from bench/quality.ts). */
import { higherIsBetter, type Metric } from '../core/schemas/task.ts';
import type { RunEvent } from '../core/schemas/events.ts';

/** One dataset × seed. */
export interface QualityRun {
  dataset: string;
  seed: number;
  metric: Metric;
  baseline: number;
  flaml: number | null;
  ouro: number | null;
  flamlSeconds: number;
  ouroSeconds: number;
  flamlModel: string | null;
  ouroModel: string | null;
  /** Seconds from the run's start (its `accepted` event) to its first finished model other than the baseline. */
  firstModelSeconds?: number | null;
  /** Where ouro's time went: one line per step, seconds from `accepted` (read it to see why a run lost). */
  timeline?: string[];
  error?: string;
}

/** One line per step of a run: profile, plan, each experiment (operator, family, CV, seconds), the stop. */
export function runTimeline(events: readonly RunEvent[]): string[] {
  const accepted = events.find((e) => e.type === 'accepted');
  if (accepted === undefined) return [];
  const t0 = Date.parse(accepted.at);
  const at = (e: RunEvent) => `${((Date.parse(e.at) - t0) / 1000).toFixed(1)} s`;
  const ops = new Map<string, string>();
  const out: string[] = [];
  for (const e of events) {
    if (e.type === 'profiled') out.push(`${at(e)} profiled ${e.rows} rows × ${e.columns} columns`);
    else if (e.type === 'planned')
      out.push(`${at(e)} planned: ${e.plan.families.map((f) => f.family).join(', ')}`);
    else if (e.type === 'experiment.started') ops.set(e.node, e.operator);
    else if (e.type === 'experiment.finished')
      out.push(
        `${at(e)} ${e.node} ${ops.get(e.node) ?? ''} ${e.family}: cv ${e.cvMean.toFixed(4)} in ${(e.durationMs / 1000).toFixed(1)} s`,
      );
    else if (e.type === 'experiment.failed')
      out.push(
        `${at(e)} ${e.node} ${ops.get(e.node) ?? ''} ${e.family} failed (${e.diagnosis.class}) in ${(e.durationMs / 1000).toFixed(1)} s`,
      );
    else if (e.type === 'note' && /stop|left/i.test(e.message)) out.push(`${at(e)} ${e.message}`);
    else if (e.type === 'validated' || e.type === 'finished') out.push(`${at(e)} ${e.type}`);
  }
  return out;
}

/** Time to a useful model: from `accepted` to the first non-baseline `experiment.finished`. */
export function firstModelSeconds(events: readonly RunEvent[]): number | null {
  const accepted = events.find((e) => e.type === 'accepted');
  const first = events.find((e) => e.type === 'experiment.finished' && e.family !== 'baseline');
  return accepted && first ? (Date.parse(first.at) - Date.parse(accepted.at)) / 1000 : null;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) =>
  xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));

/** (score − baseline) / (best − baseline): 1 for the better contender, 0 for the baseline. */
export function scaled(metric: Metric, s: number, baseline: number, contenders: number[]): number {
  const best = higherIsBetter(metric) ? Math.max(...contenders) : Math.min(...contenders);
  const span = best - baseline;
  return span === 0 ? 0 : (s - baseline) / span;
}

function firstModelCell(rs: readonly QualityRun[]): string {
  const xs = rs.map((r) => r.firstModelSeconds).filter((x): x is number => typeof x === 'number');
  return xs.length === 0 ? '–' : `${mean(xs).toFixed(1)} s`;
}

/** Scaled scores closer than this count as a tie. */
const TIE = 0.01;

export function summarize(runs: QualityRun[]): {
  table: string;
  meanScaled: { flaml: number; ouro: number };
  wins: number;
  ties: number;
  losses: number;
} {
  const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(1) : n.toFixed(4));
  const pm = (xs: number[]) => (xs.length > 1 ? `${fmt(mean(xs))} ± ${fmt(std(xs))}` : fmt(mean(xs)));
  const lines = [
    '| dataset | metric | baseline | FLAML | ouro | scaled FLAML | scaled ouro | FLAML time | ouro time | ouro first model | FLAML model | ouro model |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const allScaled = { flaml: [] as number[], ouro: [] as number[] };
  let wins = 0;
  let ties = 0;
  let losses = 0;
  const datasets = [...new Set(runs.map((r) => r.dataset))];
  for (const d of datasets) {
    const rs = runs.filter((r) => r.dataset === d && r.flaml !== null && r.ouro !== null);
    if (rs.length === 0) {
      lines.push(`| ${d} | | | | | | | | | | failed: ${runs.find((r) => r.dataset === d)?.error ?? ''} | |`);
      losses += 1;
      continue;
    }
    const metric = rs[0]!.metric;
    const sf = rs.map((r) => scaled(metric, r.flaml!, r.baseline, [r.flaml!, r.ouro!]));
    const so = rs.map((r) => scaled(metric, r.ouro!, r.baseline, [r.flaml!, r.ouro!]));
    allScaled.flaml.push(mean(sf));
    allScaled.ouro.push(mean(so));
    const diff = mean(so) - mean(sf);
    if (Math.abs(diff) < TIE) ties += 1;
    else if (diff > 0) wins += 1;
    else losses += 1;
    const models = (xs: (string | null)[]) => [...new Set(xs.filter((x) => x !== null))].join(', ');
    lines.push(
      `| ${d} | ${metric} ${higherIsBetter(metric) ? '↑' : '↓'} | ${fmt(mean(rs.map((r) => r.baseline)))} | ${pm(rs.map((r) => r.flaml!))} | ${pm(rs.map((r) => r.ouro!))} | ${mean(sf).toFixed(3)} | ${mean(so).toFixed(3)} | ${mean(rs.map((r) => r.flamlSeconds)).toFixed(0)} s | ${mean(rs.map((r) => r.ouroSeconds)).toFixed(0)} s | ${firstModelCell(rs)} | ${models(rs.map((r) => r.flamlModel))} | ${models(rs.map((r) => r.ouroModel))} |`,
    );
  }
  const meanScaled = {
    flaml: allScaled.flaml.length ? mean(allScaled.flaml) : 0,
    ouro: allScaled.ouro.length ? mean(allScaled.ouro) : 0,
  };
  lines.push(
    '',
    `Mean scaled score: FLAML ${meanScaled.flaml.toFixed(3)}, ouro ${meanScaled.ouro.toFixed(3)}. ouro vs FLAML: ${wins} wins, ${ties} ties, ${losses} losses (tie: scaled scores within ${TIE}).`,
  );
  return { table: lines.join('\n'), meanScaled, wins, ties, losses };
}
