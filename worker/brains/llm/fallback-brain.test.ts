import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventSink } from '../../../core/events/event-log.ts';
import type { RunEventInput } from '../../../core/schemas/events.ts';
import type { Profile, TargetAnalysis } from '../../../core/schemas/profile.ts';
import { HeuristicBrain } from '../heuristic/heuristic-brain.ts';
import { FallbackBrain } from './fallback-brain.ts';
import type { LlmBrain } from './llm-brain.ts';

const profile: Profile = {
  file: { bytes: 10, encoding: 'utf-8', delimiter: ',', lineEnding: 'LF', bom: false },
  rows: 144,
  columns: [
    {
      name: 'month',
      stored: 'string',
      meant: 'datetime',
      conversion: 'datetime',
      missingShare: 0,
      unique: 144,
      samples: ['1949-01-01'],
    },
    {
      name: 'passengers',
      stored: 'integer',
      meant: 'numeric',
      conversion: null,
      missingShare: 0,
      unique: 118,
      samples: ['112'],
    },
  ],
  duplicateRows: 0,
  duplicateColumns: [],
  findings: [],
};
const analysis: TargetAnalysis = {
  target: 'passengers',
  task: 'forecast',
  trainRows: 132,
  holdoutRows: 12,
  droppedRows: 0,
  classCounts: null,
  classes: null,
  targetMean: 260,
  targetStd: 100,
  leakageSuspects: [],
  findings: [],
};

test('a forecasting run goes to the heuristic forecasting playbook, and the thread is told', async () => {
  const events: RunEventInput[] = [];
  const sink = { emit: async (e: RunEventInput) => events.push(e) } as unknown as EventSink;
  let fellBack: string | null = null;
  const llm = {
    name: 'llm',
    plan: async () => assert.fail('the LLM must not plan a forecast'),
    next: async () => assert.fail('the LLM must not pick forecasting experiments'),
    markFellBack: (why: string) => (fellBack = why),
  } as unknown as LlmBrain;
  const brain = new FallbackBrain(llm, new HeuristicBrain(), sink);
  const plan = await brain.plan({
    goal: 'forecast passengers',
    target: 'passengers',
    targetReason: 'named',
    task: 'forecast',
    metric: 'mase',
    metricReason: 'default',
    profile,
    analysis,
  });
  assert.deepEqual(
    plan.families.map((f) => f.family),
    ['baseline', 'ets', 'theta', 'arima', 'lightgbm'],
  );
  assert.match(fellBack ?? '', /forecasting/);
  assert.ok(events.some((e) => e.type === 'note' && /heuristic forecasting playbook/.test(e.message)));
  const first = await brain.next({
    plan,
    profile,
    analysis,
    nodes: [],
    bestNodeId: null,
    elapsedMs: 0,
    budgetMs: 1e6,
    maxExperiments: 5,
    steering: [],
    prefer: [],
    forbid: [],
  });
  assert.ok(first.kind === 'experiment' && first.recipe.family === 'baseline');
});
