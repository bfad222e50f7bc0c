import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunEvent, RunEventInput } from '../../core/schemas/events.ts';
import type { ModelCard } from '../../core/schemas/model-card.ts';
import { stripMarkup } from './chat-message.ts';
import { fmtClock } from './format.ts';
import { renderMetricsCard } from './render-card.ts';
import { renderThreadReply } from './render-run.ts';
import { renderStatus } from './render-status.ts';
import { foldRunEvent, foldRunEvents, initialView } from './run-view.ts';

const T0 = Date.parse('2026-11-22T10:00:00Z');
let clock = 0;
const ev = (e: RunEventInput, seconds = clock++): RunEvent =>
  ({ ...e, runId: 'r-1', at: new Date(T0 + seconds * 1000).toISOString() }) as RunEvent;
const text = (m: { blocks: { type: string; text?: string; fields?: [string, string][] }[] }) =>
  m.blocks.map((b) => b.text ?? (b.fields ?? []).flat().join(' ')).join('\n');

const CARD: ModelCard = {
  name: 'churn',
  version: 2,
  runId: 'r-1',
  createdAt: '2026-11-22T10:01:30Z',
  task: 'binary',
  target: 'churn',
  metric: 'roc_auc',
  holdout: { score: 0.81, baseline: 0.5, rows: 60, all: { roc_auc: 0.81, accuracy: 0.77 } },
  cv: { mean: 0.83, std: 0.02, folds: 5 },
  family: 'lightgbm',
  script: 'train.py',
  data: { file: 'churn.csv', rows: 300, columns: 4, trainRows: 240, holdoutRows: 60, seed: 42 },
  experiments: { tried: 4, succeeded: 3, failed: 1 },
  durationMs: 90_000,
  findings: [],
  inputs: [
    { name: 'a', dtype: 'number' },
    { name: 'city', dtype: 'string' },
  ],
  classes: ['no', 'yes'],
};

const EVENTS: RunEvent[] = [
  ev({ type: 'accepted', goal: 'predict churn', file: 'churn.csv', budgetSeconds: 120 }, 0),
  ev({ type: 'profiled', rows: 300, columns: 4, findings: ['no missing values'] }, 2),
  ev(
    {
      type: 'planned',
      plan: {
        target: 'churn',
        targetReason: 'the goal names it',
        task: 'binary',
        metric: 'roc_auc',
        metricReason: 'it ranks',
        families: [
          { family: 'baseline', why: 'floor' },
          { family: 'lightgbm', why: 'strong' },
        ],
        dropColumns: [{ column: 'id', why: 'a row id' }],
      },
      why: 'because',
    },
    3,
  ),
  ev(
    {
      type: 'experiment.started',
      node: 'n1',
      parent: null,
      operator: 'draft',
      family: 'lightgbm',
      hypothesis: 'boosting is strong on tables',
      script: 'x',
    },
    4,
  ),
  ev(
    {
      type: 'experiment.failed',
      node: 'n1',
      family: 'lightgbm',
      diagnosis: {
        class: 'unseen_category',
        evidence: 'Found unknown categories',
        fix: 'handle_unknown="ignore"',
      },
      durationMs: 1000,
    },
    6,
  ),
  ev(
    {
      type: 'strategy.changed',
      from: 'drafting',
      to: 'fixing LightGBM',
      why: 'a category appears in one fold only',
    },
    7,
  ),
  ev(
    {
      type: 'experiment.started',
      node: 'n2',
      parent: 'n1',
      operator: 'fix',
      family: 'lightgbm',
      hypothesis: 'ignore unknown categories',
      script: 'x',
    },
    8,
  ),
  ev(
    {
      type: 'experiment.finished',
      node: 'n2',
      family: 'lightgbm',
      metric: 'roc_auc',
      cvMean: 0.83,
      cvStd: 0.02,
      durationMs: 2000,
    },
    20,
  ),
  ev(
    { type: 'best.improved', node: 'n2', family: 'lightgbm', metric: 'roc_auc', score: 0.83, previous: 0.5 },
    20,
  ),
];

test('the status message: the goal as understood while queued, then the plan, progress, best and clock', () => {
  const start = initialView({
    runId: 'r-1',
    goal: 'predict churn',
    file: 'churn.csv',
    budgetSeconds: 120,
    maxExperiments: 4,
  });
  const queued = text(renderStatus(start, T0));
  assert.match(queued, /Goal as I understand it: \*\*predict churn\*\*, from `churn\.csv`/);
  assert.match(queued, /up to 2:00 \(at most 4\)/);
  assert.match(queued, /Queued/);
  assert.match(text(renderStatus(start, T0, 'Fetching')), /Fetching/);

  const running = foldRunEvents(start, EVENTS.slice(0, 4));
  const s = text(renderStatus(running, T0 + 30_000));
  assert.match(
    s,
    /Predicting \*\*churn\*\* \(yes\/no classification\), judged by \*\*roc_auc\*\* — 300 rows × 4 columns/,
  );
  assert.match(s, /experiment 1 of up to 4: LightGBM \(draft\)/);
  assert.match(s, /0:30 of 2:00/);
  assert.match(s, /25 %/);

  const later = foldRunEvents(start, EVENTS);
  assert.match(text(renderStatus(later, T0 + 40_000)), /best so far: \*\*LightGBM\*\* roc_auc 0\.8300/);
  const done = foldRunEvent(later, ev({ type: 'finished', card: CARD }, 95));
  const final = text(renderStatus(done, T0 + 999_000));
  assert.match(final, /Done in 1:35/);
  assert.doesNotMatch(final, /reply `stop`/);
});

test('thread replies: plan, diagnosis, strategy and new best say why; routine events say nothing', () => {
  let v = initialView({
    runId: 'r-1',
    goal: 'predict churn',
    file: 'churn.csv',
    budgetSeconds: 120,
    maxExperiments: 4,
  });
  const replies: string[] = [];
  for (const e of EVENTS) {
    v = foldRunEvent(v, e);
    const r = renderThreadReply(e, v);
    if (r !== null) replies.push(text(r));
  }
  assert.equal(replies.length, 4);
  assert.match(
    replies[0]!,
    /Plan\*\* — predict \*\*churn\*\*.*\n_Why:_ the target because the goal names it; roc_auc because it ranks\.\nFamilies to try, in order: baseline → LightGBM\.\nLeaving out `id`: a row id\./,
  );
  assert.match(replies[0]!, /300 rows × 4 columns · no missing values/);
  assert.match(
    replies[1]!,
    /Diagnosis\*\* — LightGBM \(n1\) failed: \*\*unseen category\*\*\.\nEvidence: `Found unknown categories`\nFix: handle_unknown="ignore"/,
  );
  assert.match(
    replies[2]!,
    /Strategy\*\* — drafting → \*\*fixing LightGBM\*\*\.\n_Why:_ a category appears in one fold only\./,
  );
  assert.match(
    replies[3]!,
    /New best\*\* — LightGBM: roc_auc 0\.8300 in cross-validation \(was 0\.5000, better by 0\.3300\)\.\ntried because: ignore unknown categories/,
  );
});

test('the same events give the same messages (a replayed stream reads like the live one)', () => {
  const start = initialView({ runId: 'r-1', goal: 'g', file: 'f.csv', budgetSeconds: 60, maxExperiments: 3 });
  assert.deepEqual(
    renderStatus(foldRunEvents(start, EVENTS), T0 + 50_000),
    renderStatus(foldRunEvents(start, [...EVENTS]), T0 + 50_000),
  );
});

test('the metrics card: metric vs baseline vs CV, data, experiments, URL, key hint and a /predict example', () => {
  const card = renderMetricsCard(CARD, {
    url: 'http://x:8808/v1/models/churn/predict',
    key: 'sent',
    requester: '<@U1>',
    example: { a: 1.5, city: 'New York' },
  });
  const t = text(card);
  assert.match(t, /roc_auc \(held-out rows\) \*\*0\.8100\*\*/);
  assert.match(t, /baseline 0\.5000/);
  assert.match(t, /cross-validation 0\.8300 ± 0\.0200/);
  assert.match(t, /300 rows \(240 train \/ 60 held out\)/);
  assert.match(t, /4 tried · 1 failed · 1:30/);
  assert.match(t, /\*\*Model URL:\*\* http:\/\/x:8808\/v1\/models\/churn\/predict/);
  assert.match(t, /the key was sent privately to <@U1>/);
  assert.match(t, /\[model page\]\(http:\/\/x:8808\/models\/churn\)/);
  assert.match(t, /\/predict churn a=1\.5 city="New York"/);
  assert.match(t, /also on the held-out rows: accuracy 0\.7700/);
  assert.match(
    text(renderMetricsCard(CARD, { url: 'http://x/v1/models/churn/predict', key: 'existing' })),
    /key this model already has/,
  );
  assert.match(text(renderMetricsCard(CARD, { url: null, key: 'unknown' })), /not deployed/);
  assert.doesNotMatch(card.text, /\*\*/);
});

test("the card's /predict example follows the platform's syntax", () => {
  const extras = {
    url: 'http://x/v1/models/churn/predict',
    key: 'sent' as const,
    example: { a: 1.5, city: 'New York' },
  };
  assert.match(
    text(renderMetricsCard(CARD, { ...extras, predictCommand: { command: '/predict', style: 'options' } })),
    /\/predict model:churn input:a=1\.5 city="New York"/,
  );
  assert.match(
    text(
      renderMetricsCard(CARD, { ...extras, predictCommand: { command: '/ouro-predict', style: 'inline' } }),
    ),
    /\/ouro-predict churn a=1\.5 city="New York"/,
  );
});

test('a forecasting card names the series and shows a /forecast call instead of /predict', () => {
  const forecast: ModelCard = {
    ...CARD,
    task: 'forecast',
    metric: 'mase',
    holdout: { score: 0.37, baseline: 1.57, rows: 12, all: { mase: 0.37, smape: 2.4, rmse: 15.4 } },
    forecast: {
      dateColumn: 'month',
      idColumn: 'store',
      frequency: 'MS',
      frequencyLabel: 'monthly',
      seasonLength: 12,
      horizon: 12,
      series: 3,
      chart: 'forecast.png',
    },
  };
  const t = text(renderMetricsCard(forecast, { url: 'http://x:8808/v1/models/sales/predict', key: 'sent' }));
  assert.match(t, /mase \(held-out rows\) \*\*0\.3700\*\*/);
  assert.match(t, /series 3 monthly · 12 steps ahead/);
  assert.match(
    t,
    /curl -X POST http:\/\/x:8808\/v1\/models\/sales\/forecast .*"series": "<id>", "horizon": 12/,
  );
  assert.doesNotMatch(t, /\/predict sales|columns you leave out/);
});

test('helpers: clock and markup', () => {
  assert.equal(fmtClock(95), '1:35');
  assert.equal(fmtClock(3700), '1:01:40');
  assert.equal(stripMarkup('**a** `b` [c](http://d) _e_'), 'a b c (http://d) e');
});

test("a follow-up's verdict: both numbers, and what happens to each version", () => {
  const won = renderThreadReply(
    ev({
      type: 'challenged',
      name: 'churn',
      metric: 'roc_auc',
      champion: { version: 1, score: 0.61 },
      challenger: { score: 0.84 },
      promoted: true,
    }),
    initialView({ runId: 'r-1', goal: 'g', file: 'f.csv', budgetSeconds: 60, maxExperiments: 3 }),
  )!;
  assert.match(
    text(won),
    /The challenger wins.*challenger roc_auc \*\*0\.8400\*\*, champion \*\*churn\*\* v1 roc_auc \*\*0\.6100\*\*.*same URL; v1 is kept/s,
  );
  assert.match(text(won), /ouro models rollback churn --to 1/);
  const lost = renderThreadReply(
    ev({
      type: 'challenged',
      name: 'churn',
      metric: 'rmse',
      champion: { version: 3, score: 10 },
      challenger: { score: 10 },
      promoted: false,
    }),
    initialView({ runId: 'r-1', goal: 'g', file: 'f.csv', budgetSeconds: 60, maxExperiments: 3 }),
  )!;
  assert.match(
    text(lost),
    /The champion stays.*champion \*\*churn\*\* v3 rmse \*\*10\.0000\*\*.*not served/s,
  );
  const mute = renderThreadReply(
    ev({
      type: 'challenged',
      name: 'churn',
      metric: 'roc_auc',
      champion: { version: 2, score: null, why: 'the column "plan" is missing' },
      challenger: { score: 0.7 },
      promoted: true,
    }),
    initialView({ runId: 'r-1', goal: 'g', file: 'f.csv', budgetSeconds: 60, maxExperiments: 3 }),
  )!;
  assert.match(text(mute), /could not score the new data \(the column "plan" is missing\)/);
  const view = foldRunEvent(
    initialView({ runId: 'r-1', goal: 'g', file: 'f.csv', budgetSeconds: 60, maxExperiments: 3 }),
    ev({
      type: 'challenged',
      name: 'churn',
      metric: 'rmse',
      champion: { version: 3, score: 10 },
      challenger: { score: 10 },
      promoted: false,
    }),
  );
  assert.deepEqual(view.challenge, { name: 'churn', championVersion: 3, promoted: false });
});
