import type { RunEvent } from '../../core/schemas/events.ts';
import type { Plan } from '../../core/schemas/journal.ts';
import type { ModelCard } from '../../core/schemas/model-card.ts';
import type { Metric } from '../../core/schemas/task.ts';

/**
 * What a run looks like after a list of events: the state the status message and `status`
 * replies are drawn from. A pure fold, so a replayed stream gives the same view.
 */
export interface RunView {
  runId: string;
  goal: string;
  file: string;
  budgetSeconds: number;
  maxExperiments: number;
  /** `asking`: the run ended with a question (which column to predict) and waits for the answer. */
  state: 'queued' | 'running' | 'validating' | 'finished' | 'failed' | 'asking';
  /** Set with `finished` when the run was stopped on request (its best model is still saved). */
  cancelled: boolean;
  /** Event time of `accepted` (ms since the epoch); null while queued. */
  startedAt: number | null;
  /** Event time of the terminal event. */
  endedAt: number | null;
  rows: number | null;
  columns: number | null;
  findings: string[];
  plan: Plan | null;
  planWhy: string | null;
  experiments: { started: number; finished: number; failed: number };
  current: { node: string; family: string; operator: string; hypothesis: string } | null;
  /** Why each experiment was tried, by node (a new best says what it was after). */
  hypotheses: Record<string, string>;
  best: { node: string; family: string; metric: Metric; score: number } | null;
  validated: { metric: Metric; holdout: number; baseline: number; cv: number } | null;
  deployed: { name: string; version: number; url: string } | null;
  /** A follow-up's comparison with the model it challenged (the `challenged` event). */
  challenge: { name: string; championVersion: number; promoted: boolean } | null;
  card: ModelCard | null;
  /** A synthesis run's result (docs/architecture.md, "Synthetic data"). */
  dataset: { filename: string; rows: number; generator: string } | null;
  failure: { code: string; message: string } | null;
  stopReason: string | null;
  /** The open question, when the run ended asking which column to predict. */
  question: {
    message: string;
    candidates: { column: string; reason: string }[];
    columns: string[];
    askedAt: number;
  } | null;
  /** An analysis run's published report (docs/architecture.md, "Analysis reports"). */
  report?: {
    id: string;
    url: string | null;
    answer: string;
    highlights: { text: string; finding: string }[];
    charts: { path: string; title: string }[];
    path: string;
  } | null;
}

/** The view before any event: what the bot knows from the request it made. */
export function initialView(r: {
  runId: string;
  goal: string;
  file: string;
  budgetSeconds: number;
  maxExperiments: number;
}): RunView {
  return {
    ...r,
    state: 'queued',
    cancelled: false,
    startedAt: null,
    endedAt: null,
    rows: null,
    columns: null,
    findings: [],
    plan: null,
    planWhy: null,
    experiments: { started: 0, finished: 0, failed: 0 },
    current: null,
    hypotheses: {},
    best: null,
    validated: null,
    deployed: null,
    challenge: null,
    card: null,
    dataset: null,
    failure: null,
    stopReason: null,
    question: null,
  };
}

export function foldRunEvent(v: RunView, e: RunEvent): RunView {
  const at = Date.parse(e.at);
  switch (e.type) {
    case 'accepted':
      return {
        ...v,
        state: 'running',
        goal: e.goal,
        file: e.file,
        budgetSeconds: e.budgetSeconds,
        startedAt: v.startedAt ?? at,
      };
    case 'profiled':
      return {
        ...v,
        state: 'running',
        startedAt: v.startedAt ?? at,
        rows: e.rows,
        columns: e.columns,
        findings: e.findings,
      };
    case 'planned':
      return { ...v, state: 'running', startedAt: v.startedAt ?? at, plan: e.plan, planWhy: e.why };
    case 'experiment.started':
      return {
        ...v,
        state: 'running',
        startedAt: v.startedAt ?? at,
        experiments: { ...v.experiments, started: v.experiments.started + 1 },
        current: { node: e.node, family: e.family, operator: e.operator, hypothesis: e.hypothesis },
        hypotheses: { ...v.hypotheses, [e.node]: e.hypothesis },
      };
    case 'experiment.finished':
      return { ...v, experiments: { ...v.experiments, finished: v.experiments.finished + 1 }, current: null };
    case 'experiment.failed':
      return { ...v, experiments: { ...v.experiments, failed: v.experiments.failed + 1 }, current: null };
    case 'strategy.changed':
      return v;
    case 'best.improved':
      return { ...v, best: { node: e.node, family: e.family, metric: e.metric, score: e.score } };
    case 'validated':
      return {
        ...v,
        state: 'validating',
        current: null,
        validated: { metric: e.metric, holdout: e.holdout, baseline: e.baseline, cv: e.cv },
      };
    case 'deployed':
      return { ...v, deployed: { name: e.name, version: e.version, url: e.url } };
    case 'challenged':
      return { ...v, challenge: { name: e.name, championVersion: e.champion.version, promoted: e.promoted } };
    case 'finished':
      return { ...v, state: 'finished', current: null, card: e.card, endedAt: at };
    case 'failed':
      return {
        ...v,
        state: 'failed',
        current: null,
        failure: { code: e.code, message: e.message },
        endedAt: at,
      };
    case 'cancelled':
      return { ...v, cancelled: true };
    case 'question':
      return {
        ...v,
        state: 'asking',
        current: null,
        endedAt: at,
        question: { message: e.message, candidates: e.candidates, columns: e.columns, askedAt: at },
      };
    case 'note': {
      // The loop says why it stops before it validates; a budget extension moves the bar's end.
      const stopping = /^Stopping: (.*)$/.exec(e.message);
      const budget = /^Budget extended by \d+ s to (\d+) s/.exec(e.message);
      if (stopping) return { ...v, stopReason: stopping[1]!, current: null };
      if (budget) return { ...v, budgetSeconds: Number(budget[1]) };
      return v;
    }
    case 'brain.usage':
      return v;
    case 'report.published':
      return {
        ...v,
        state: 'finished',
        current: null,
        endedAt: at,
        report: {
          id: e.report,
          url: e.url,
          answer: e.answer,
          highlights: e.highlights,
          charts: e.charts,
          path: e.path,
        },
      };
    case 'dataset.published':
      return {
        ...v,
        state: 'finished',
        current: null,
        endedAt: at,
        dataset: { filename: e.filename, rows: e.card.rows, generator: e.card.generator.label },
      };
  }
}

export function foldRunEvents(start: RunView, events: readonly RunEvent[]): RunView {
  return events.reduce(foldRunEvent, start);
}
