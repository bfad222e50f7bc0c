import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CrashClass } from '../../../core/schemas/diagnosis.ts';
import type { JournalNode, Plan, Recipe } from '../../../core/schemas/journal.ts';
import type { Profile, TargetAnalysis } from '../../../core/schemas/profile.ts';
import type { BrainState, Decision } from '../brain.ts';
import { HeuristicBrain, MAX_FIXES } from './heuristic-brain.ts';
import { fitsInTime, validationReserveMs } from '../../loop/budget.ts';
import { estimateMs } from '../../loop/estimate-experiment.ts';

const profile: Profile = {
  file: { bytes: 1000, encoding: 'utf-8', delimiter: ',', lineEnding: 'LF', bom: false },
  rows: 1000,
  columns: [
    {
      name: 'a',
      stored: 'float',
      meant: 'numeric',
      conversion: null,
      missingShare: 0,
      unique: 900,
      samples: ['1.5'],
    },
    {
      name: 'city',
      stored: 'string',
      meant: 'categorical',
      conversion: null,
      missingShare: 0.1,
      unique: 20,
      samples: ['x'],
    },
    {
      name: 'copy',
      stored: 'string',
      meant: 'categorical',
      conversion: null,
      missingShare: 0,
      unique: 2,
      samples: ['yes'],
    },
    {
      name: 'y',
      stored: 'string',
      meant: 'categorical',
      conversion: null,
      missingShare: 0,
      unique: 2,
      samples: ['yes'],
    },
  ],
  duplicateRows: 0,
  duplicateColumns: [],
  findings: [],
};
const analysis: TargetAnalysis = {
  target: 'y',
  task: 'binary',
  trainRows: 800,
  holdoutRows: 200,
  droppedRows: 0,
  classCounts: { no: 500, yes: 300 },
  classes: ['no', 'yes'],
  targetMean: null,
  targetStd: null,
  leakageSuspects: [{ column: 'copy', score: 1, why: 'copies the target' }],
  findings: [],
};

async function planned(): Promise<Plan> {
  return new HeuristicBrain().plan({
    goal: 'predict y',
    target: 'y',
    targetReason: 'named',
    task: 'binary',
    metric: 'roc_auc',
    metricReason: 'default',
    profile,
    analysis,
  });
}

let counter = 0;
function node(recipe: Partial<Recipe> & { family: string }, over: Partial<JournalNode> = {}): JournalNode {
  counter += 1;
  return {
    id: `n${counter}`,
    parent: null,
    operator: 'draft',
    hypothesis: 'h',
    recipe: { params: {}, guards: [], dropColumns: [], folds: 5, members: [], ...recipe },
    dir: `experiments/n${counter}`,
    status: 'succeeded',
    cv: { mean: 0.8, std: 0.01, folds: 5 },
    diagnosis: null,
    finding: '',
    durationMs: 1000,
    startedAt: new Date(Date.now() + counter).toISOString(),
    ...over,
  };
}

function state(plan: Plan, nodes: JournalNode[]): BrainState {
  return {
    plan,
    profile,
    analysis,
    nodes,
    bestNodeId: nodes.at(-1)?.id ?? null,
    elapsedMs: 0,
    budgetMs: 180_000,
    maxExperiments: 20,
    steering: [],
    prefer: [],
    forbid: [],
  };
}

/** The brain's next decision at `elapsedMs` into a short run of `budgetMs` (the short-budget cases). */
function decideAt(plan: Plan, nodes: JournalNode[], best: JournalNode, budgetMs: number, elapsedMs: number) {
  return new HeuristicBrain().next({ ...state(plan, nodes), budgetMs, elapsedMs, bestNodeId: best.id });
}

/** The loop's own start rule (worker/loop/steps/experiment-loop.ts) lets the decision run. */
function assertLoopStarts(d: Decision, nodes: JournalNode[], budgetMs: number, elapsedMs: number): void {
  assert.ok(d.kind === 'experiment');
  const remaining = budgetMs - elapsedMs - validationReserveMs(budgetMs);
  assert.ok(
    fitsInTime(estimateMs(d, nodes), remaining),
    `${estimateMs(d, nodes)} ms vs ${remaining} ms left`,
  );
}

test('the plan leaves leakage suspects out and drafts a useful model first, then the baseline', async () => {
  const plan = await planned();
  assert.deepEqual(
    plan.dropColumns.map((d) => d.column),
    ['copy'],
  );
  assert.deepEqual(
    plan.families.slice(0, 3).map((f) => f.family),
    ['lightgbm', 'linear', 'baseline'],
  );
  const first = await new HeuristicBrain().next(state(plan, []));
  assert.equal(first.kind, 'experiment');
  if (first.kind === 'experiment') {
    assert.equal(first.recipe.family, 'lightgbm');
    assert.equal(first.recipe.earlyStopping, true);
    assert.deepEqual(first.recipe.dropColumns, ['copy']);
  }
  const third = await new HeuristicBrain().next(
    state(plan, [node({ family: 'lightgbm' }), node({ family: 'linear' })]),
  );
  assert.ok(third.kind === 'experiment' && third.recipe.family === 'baseline');
});

test('drafts are sized to the table and the budget: LightGBM first with early stopping, threads, fewer folds, a row sample on big tables', async () => {
  const big = (trainRows: number, classes: number): TargetAnalysis => ({
    ...analysis,
    task: 'multiclass',
    trainRows,
    classes: Array.from({ length: classes }, (_, i) => `c${i}`),
    classCounts: null,
  });
  const draftOf = async (a: TargetAnalysis, budgetMs: number) => {
    const brain = new HeuristicBrain();
    const plan = await brain.plan({
      goal: 'predict y',
      target: 'y',
      targetReason: 'named',
      task: 'multiclass',
      metric: 'log_loss',
      metricReason: 'default',
      profile,
      analysis: a,
    });
    const d = await brain.next({ ...state(plan, []), analysis: a, budgetMs, cpus: 2 });
    assert.ok(d.kind === 'experiment');
    return d;
  };
  // The 20,000-row, 26-class table with 60 s: not 5 folds × 300 trees per class on one thread.
  const letters = await draftOf(big(16_000, 26), 60_000);
  assert.equal(letters.recipe.family, 'lightgbm');
  assert.equal(letters.recipe.earlyStopping, true);
  assert.equal(letters.recipe.folds, 3);
  assert.equal(letters.recipe.threads, 2);
  assert.equal(letters.recipe.maxRows, undefined);
  assert.match(letters.hypothesis, /first because/);
  const huge = await draftOf(big(200_000, 7), 120_000);
  assert.equal(huge.recipe.maxRows, 20_000);
  assert.match(huge.hypothesis, /sample of 20,000 of the 200,000 rows/);
  // A small table with a short budget: three folds.
  const small = await draftOf(big(560, 3), 30_000);
  assert.equal(small.recipe.family, 'lightgbm');
  assert.equal(small.recipe.folds, 3);
});

test('each diagnosis gets its targeted fix', async () => {
  const plan = await planned();
  const brain = new HeuristicBrain();
  const expectations: [CrashClass, Partial<Recipe> & { family: string }, (r: Recipe) => boolean][] = [
    ['missing', { family: 'linear', guards: ['encode'] }, (r) => r.guards.includes('impute')],
    ['dtype', { family: 'linear', guards: [] }, (r) => r.guards.includes('encode')],
    [
      'unseen_category',
      { family: 'linear', guards: ['encode', 'impute'] },
      (r) => r.guards.includes('handle_unknown'),
    ],
    ['label', { family: 'xgboost', guards: [] }, (r) => r.guards.includes('label_encode') && r.folds <= 3],
    [
      'schema',
      { family: 'linear', dropColumns: ['Not_A_Column', 'copy'] },
      (r) => !r.dropColumns.includes('Not_A_Column') && r.dropColumns.includes('copy'),
    ],
    ['import', { family: 'catboost' }, (r) => r.family !== 'catboost'],
    [
      'memory',
      { family: 'linear', guards: ['encode'] },
      (r) => r.guards.includes('sparse') && r.maxRows !== undefined && r.maxRows < 800,
    ],
    [
      'timeout',
      { family: 'random_forest', params: { n_estimators: 4000 } },
      (r) => r.folds === 3 && (r.params.n_estimators as number) < 4000,
    ],
    ['leakage', { family: 'lightgbm', dropColumns: [] }, (r) => r.dropColumns.includes('copy')],
    ['degenerate', { family: 'linear' }, (r) => r.family !== 'linear'],
  ];
  for (const [cls, recipe, check] of expectations) {
    const failed = node(recipe, {
      status: 'failed',
      cv: null,
      diagnosis: { class: cls, evidence: 'e', fix: 'f' },
    });
    const d = await brain.next(state(plan, [failed]));
    assert.equal(d.kind, 'experiment', cls);
    if (d.kind === 'experiment') {
      assert.equal(d.operator, 'fix', cls);
      assert.equal(d.parent, failed.id, cls);
      assert.ok(check(d.recipe), `${cls}: ${JSON.stringify(d.recipe)}`);
    }
  }
});

test(`gives up after ${MAX_FIXES} fixes and moves on with a strategy change`, async () => {
  const plan = await planned();
  const fail = (over: Partial<JournalNode>) =>
    node(
      { family: 'linear', guards: [] },
      { status: 'failed', cv: null, diagnosis: { class: 'unknown', evidence: 'e', fix: 'f' }, ...over },
    );
  const base = node({ family: 'baseline' });
  const root = fail({});
  const chain = [root];
  for (let i = 0; i < MAX_FIXES; i++) chain.push(fail({ operator: 'fix', parent: chain.at(-1)!.id }));
  const d = await new HeuristicBrain().next(state(plan, [base, ...chain]));
  assert.equal(d.kind, 'experiment');
  if (d.kind === 'experiment') {
    assert.equal(d.operator, 'draft');
    assert.equal(d.recipe.family, 'lightgbm');
    assert.match(d.strategy?.why ?? '', /fixes did not make/);
  }
});

test('steering: a preferred family is drafted next, a forbidden one never', async () => {
  const plan = await planned();
  const brain = new HeuristicBrain();
  const base = node({ family: 'baseline' });
  const d = await brain.next({ ...state(plan, [base]), prefer: ['xgboost'], forbid: ['linear'] });
  assert.equal(d.kind === 'experiment' && d.recipe.family, 'xgboost');
  const e = await brain.next({ ...state(plan, [base, node({ family: 'xgboost' })]), forbid: ['linear'] });
  assert.equal(e.kind === 'experiment' && e.recipe.family, 'lightgbm');
});

test('after the drafts it tunes the leader, then ensembles, then stops', async () => {
  const plan = await planned();
  const brain = new HeuristicBrain();
  const nodes: JournalNode[] = plan.families.map((f, i) =>
    node(
      { family: f.family },
      {
        cv: {
          mean: f.family === 'baseline' ? 0.5 : 0.7 + (f.family === 'lightgbm' ? 0.1 : i * 0.01),
          std: 0.01,
          folds: 5,
        },
      },
    ),
  );
  const tune = await brain.next(state(plan, nodes));
  assert.equal(tune.kind, 'experiment');
  if (tune.kind !== 'experiment') return;
  assert.equal(tune.operator, 'tune');
  assert.equal(tune.recipe.family, 'lightgbm');
  assert.match(tune.strategy?.to ?? '', /tuning LightGBM/);
  // Two tunes that do not beat the leader end the tuning.
  nodes.push(node(tune.recipe, { operator: 'tune', cv: { mean: 0.75, std: 0.01, folds: 5 } }));
  const tune2 = await brain.next(state(plan, nodes));
  assert.equal(tune2.kind === 'experiment' && tune2.operator, 'tune');
  if (tune2.kind === 'experiment')
    nodes.push(node(tune2.recipe, { operator: 'tune', cv: { mean: 0.76, std: 0.01, folds: 5 } }));
  const ens = await brain.next(state(plan, nodes));
  assert.equal(ens.kind === 'experiment' && ens.operator, 'ensemble');
  if (ens.kind === 'experiment') {
    // The best of every drafted family but the baseline, up to five: the blend weighs them.
    const families = plan.families.map((f) => f.family).filter((f) => f !== 'baseline');
    assert.equal(ens.recipe.members.length, Math.min(5, families.length));
    assert.ok(ens.recipe.members.every((id) => nodes.find((n) => n.id === id)?.recipe.family !== 'baseline'));
    nodes.push(node(ens.recipe, { operator: 'ensemble' }));
  }
  // Budget is left: a search around the best LightGBM (full rows, early stopping), each trial new.
  const seen = new Set<string>();
  for (let i = 0; i < 10; i++) {
    const trial = await brain.next(state(plan, nodes));
    assert.ok(
      trial.kind === 'experiment' && trial.operator === 'search',
      `trial ${i}: ${JSON.stringify(trial)}`,
    );
    if (i === 0) assert.match(trial.strategy?.to ?? '', /searching LightGBM/);
    assert.equal(trial.recipe.maxRows, undefined);
    seen.add(JSON.stringify(trial.recipe.params));
    nodes.push(
      node(trial.recipe, {
        operator: 'search',
        parent: trial.parent,
        cv: { mean: 0.6, std: 0.01, folds: 5 },
      }),
    );
  }
  assert.equal(seen.size, 10);
  // Ten trials that improved nothing: the search has converged; with budget left it restarts
  // with a wide step (and says so) instead of leaving the budget unused.
  const restart = await brain.next(state(plan, nodes));
  assert.ok(restart.kind === 'experiment' && restart.operator === 'search', JSON.stringify(restart));
  assert.match(restart.hypothesis, /wide restart step/);
  assert.match(restart.strategy?.why ?? '', /search converged.*restarting/);
  assert.ok(!seen.has(JSON.stringify(restart.recipe.params)));
  nodes.push(
    node(restart.recipe, {
      operator: 'search',
      parent: restart.parent,
      cv: { mean: 0.6, std: 0.01, folds: 5 },
    }),
  );
  // The next trial goes on from the restart: no second announcement.
  const next = await brain.next(state(plan, nodes));
  assert.ok(next.kind === 'experiment' && next.operator === 'search' && next.strategy === undefined);
  assert.doesNotMatch(next.hypothesis, /restart/);
  // Out of time: the loop ends on the budget, and says so.
  const end = await brain.next({ ...state(plan, nodes), elapsedMs: 179_000 });
  assert.ok(end.kind === 'stop' && /too little for another search trial/.test(end.why), JSON.stringify(end));
});

test('a search trial that beats its family is searched from next, and the blend is redone with it', async () => {
  const plan = await planned();
  const brain = new HeuristicBrain();
  const nodes: JournalNode[] = plan.families.map((f, i) =>
    node(
      { family: f.family },
      {
        cv: {
          mean: f.family === 'baseline' ? 0.5 : 0.7 + (f.family === 'lightgbm' ? 0.1 : i * 0.01),
          std: 0.01,
          folds: 5,
        },
      },
    ),
  );
  for (let i = 0; i < 2; i++) {
    const d = await brain.next(state(plan, nodes));
    assert.ok(d.kind === 'experiment' && d.operator === 'tune');
    nodes.push(node(d.recipe, { operator: 'tune', cv: { mean: 0.75, std: 0.01, folds: 5 } }));
  }
  const blend = await brain.next(state(plan, nodes));
  assert.ok(blend.kind === 'experiment' && blend.operator === 'ensemble');
  nodes.push(node(blend.recipe, { operator: 'ensemble', cv: { mean: 0.85, std: 0.01, folds: 5 } }));
  const t1 = await brain.next(state(plan, nodes));
  assert.ok(t1.kind === 'experiment' && t1.operator === 'search');
  const winner = node(t1.recipe, {
    operator: 'search',
    parent: t1.parent,
    cv: { mean: 0.82, std: 0.01, folds: 5 },
  });
  nodes.push(winner);
  const t2 = await brain.next(state(plan, nodes));
  assert.ok(
    t2.kind === 'experiment' && t2.operator === 'search' && t2.parent === winner.id,
    JSON.stringify(t2),
  );
  nodes.push(
    node(t2.recipe, { operator: 'search', parent: t2.parent, cv: { mean: 0.7, std: 0.01, folds: 5 } }),
  );
  for (let i = 0; i < 2; i++) {
    const d = await brain.next(state(plan, nodes));
    assert.ok(d.kind === 'experiment' && d.operator === 'search');
    nodes.push(
      node(d.recipe, { operator: 'search', parent: d.parent, cv: { mean: 0.7, std: 0.01, folds: 5 } }),
    );
  }
  const reblend = await brain.next(state(plan, nodes));
  assert.ok(
    reblend.kind === 'experiment' &&
      reblend.operator === 'ensemble' &&
      reblend.recipe.members.includes(winner.id),
    JSON.stringify(reblend),
  );
});

test('when time is short it blends before tuning, and blends again once tuning changed the members', async () => {
  const plan = await planned();
  const brain = new HeuristicBrain();
  // Drafts that took 10 s each, 2 s of it the fixed cost the baseline draft measures: a blend of
  // the four real families costs about 2 + 4 × 8 = 34 s, a tune 10 s more.
  const nodes: JournalNode[] = plan.families.map((f, i) =>
    node(
      { family: f.family },
      {
        durationMs: f.family === 'baseline' ? 2_000 : 10_000,
        cv: {
          mean: f.family === 'baseline' ? 0.5 : 0.7 + (f.family === 'lightgbm' ? 0.1 : i * 0.01),
          std: 0.01,
          folds: 5,
        },
      },
    ),
  );
  const roomy = await brain.next({ ...state(plan, nodes), elapsedMs: 60_000, budgetMs: 300_000 });
  assert.equal(roomy.kind === 'experiment' && roomy.operator, 'tune');
  const tight = await brain.next({ ...state(plan, nodes), elapsedMs: 60_000, budgetMs: 120_000 });
  assert.equal(tight.kind === 'experiment' && tight.operator, 'ensemble');
  assert.match((tight.kind === 'experiment' && tight.strategy?.why) || '', /not for tuning LightGBM first/);
  if (tight.kind !== 'experiment') return;
  nodes.push(node(tight.recipe, { operator: 'ensemble', durationMs: 50_000 }));
  // With the blend done, tuning goes on; a tune that beats the leader changes the members...
  const tune = await brain.next({ ...state(plan, nodes), elapsedMs: 0, budgetMs: 1e6 });
  assert.equal(tune.kind === 'experiment' && tune.operator, 'tune');
  if (tune.kind !== 'experiment') return;
  const better = node(tune.recipe, { operator: 'tune', cv: { mean: 0.9, std: 0.01, folds: 5 } });
  nodes.push(better);
  for (let i = 0; i < 3; i++) {
    const d = await brain.next({ ...state(plan, nodes), elapsedMs: 0, budgetMs: 1e6 });
    if (d.kind !== 'experiment' || d.operator !== 'tune') break;
    nodes.push(node(d.recipe, { operator: 'tune', cv: { mean: 0.85, std: 0.01, folds: 5 } }));
  }
  // ...so a second blend with the tuned model follows, and then the playbook is done.
  const again = await brain.next({ ...state(plan, nodes), elapsedMs: 0, budgetMs: 1e6 });
  assert.equal(again.kind === 'experiment' && again.operator, 'ensemble');
  assert.ok(again.kind === 'experiment' && again.recipe.members.includes(better.id));
  if (again.kind === 'experiment') nodes.push(node(again.recipe, { operator: 'ensemble' }));
  const after = await brain.next({ ...state(plan, nodes), elapsedMs: 0, budgetMs: 1e6 });
  assert.equal(after.kind === 'experiment' && after.operator, 'search');
});

test('a forecast plan starts with seasonal naive and drafts the statistical families before boosting', async () => {
  const forecastAnalysis: TargetAnalysis = {
    ...analysis,
    task: 'forecast',
    classCounts: null,
    classes: null,
    leakageSuspects: [],
  };
  const plan = await new HeuristicBrain().plan({
    goal: 'forecast y',
    target: 'y',
    targetReason: 'named',
    task: 'forecast',
    metric: 'mase',
    metricReason: 'default',
    profile,
    analysis: forecastAnalysis,
  });
  assert.deepEqual(
    plan.families.map((f) => f.family),
    ['baseline', 'ets', 'theta', 'arima', 'lightgbm'],
  );
  const state = (nodes: JournalNode[]): BrainState => ({
    plan,
    profile,
    analysis: forecastAnalysis,
    nodes,
    bestNodeId: null,
    elapsedMs: 0,
    budgetMs: 1e6,
    maxExperiments: 20,
    steering: [],
    prefer: [],
    forbid: [],
  });
  const first = await new HeuristicBrain().next(state([]));
  assert.ok(
    first.kind === 'experiment' &&
      first.recipe.family === 'baseline' &&
      /seasonal naive/.test(first.hypothesis),
  );
  // A forecaster no better than seasonal naive is not "fixed" with tabular guards: the brain moves on.
  const degenerate = node(
    { family: 'ets' },
    { status: 'failed', cv: null, diagnosis: { class: 'degenerate', evidence: 'no better', fix: 'x' } },
  );
  const next = await new HeuristicBrain().next(state([node({ family: 'baseline' }), degenerate]));
  assert.ok(next.kind === 'experiment' && next.operator === 'draft' && next.recipe.family === 'theta');
});

test('on a short budget the blend takes as many top families as fit in the time left, so the loop can start it', async () => {
  // Vehicle at 30 s on one core: four drafts by 16 s; a blend of all four (about 8.8 s) would not
  // fit in the 10 s left before validation, and the loop stopped with a third of the budget unused.
  const plan = await planned();
  const nodes = [
    node({ family: 'baseline' }, { durationMs: 1000, cv: { mean: 0.5, std: 0.01, folds: 3 } }),
    node({ family: 'lightgbm' }, { durationMs: 2600, cv: { mean: 0.85, std: 0.01, folds: 3 } }),
    node({ family: 'linear' }, { durationMs: 2200, cv: { mean: 0.84, std: 0.01, folds: 3 } }),
    node({ family: 'random_forest' }, { durationMs: 3600, cv: { mean: 0.82, std: 0.01, folds: 3 } }),
    node({ family: 'extra_trees' }, { durationMs: 3400, cv: { mean: 0.83, std: 0.01, folds: 3 } }),
  ];
  const budgetMs = 30_000;
  const elapsedMs = 16_000;
  const d = await decideAt(plan, nodes, nodes[1]!, budgetMs, elapsedMs);
  assert.ok(d.kind === 'experiment' && d.operator === 'ensemble', JSON.stringify(d));
  assert.deepEqual(
    d.recipe.members.map((id) => nodes.find((n) => n.id === id)?.recipe.family),
    ['lightgbm', 'linear', 'extra_trees'],
  );
  assertLoopStarts(d, nodes, budgetMs, elapsedMs);
});

test('a fix that could not finish in the time left is not proposed: the brain moves on to what fits', async () => {
  // Sacramento at 30 s on one core: the extra-trees draft was killed after 6.6 s at 19.5 s; its
  // fix would need at least as long, which the loop refused, ending the run with 10 s unused.
  const plan = await planned();
  const nodes = [
    node({ family: 'lightgbm' }, { durationMs: 3700, cv: { mean: 0.82, std: 0.01, folds: 3 } }),
    node({ family: 'linear' }, { durationMs: 2900, cv: { mean: 0.83, std: 0.01, folds: 3 } }),
    node({ family: 'random_forest' }, { durationMs: 4700, cv: { mean: 0.8, std: 0.01, folds: 3 } }),
    node(
      { family: 'extra_trees' },
      {
        durationMs: 6600,
        status: 'failed',
        cv: null,
        diagnosis: { class: 'timeout', evidence: 'killed at its time limit', fix: 'fewer trees' },
      },
    ),
  ];
  const budgetMs = 30_000;
  const elapsedMs = 19_500;
  const d = await decideAt(plan, nodes, nodes[1]!, budgetMs, elapsedMs);
  assert.ok(d.kind === 'experiment' && d.operator !== 'fix', JSON.stringify(d));
  assertLoopStarts(d, nodes, budgetMs, elapsedMs);
});

test('a draft that could not finish in time gives way to an experiment that can', async () => {
  // Sacramento at 30 s on one core: after three drafts and a blend, 6 s were left; the
  // extra-trees draft (about 5 s on the drafts' record) did not fit and the run stopped there.
  const plan = await planned();
  const nodes = [
    node({ family: 'lightgbm' }, { durationMs: 3800, cv: { mean: 0.82, std: 0.01, folds: 3 } }),
    node({ family: 'linear' }, { durationMs: 3000, cv: { mean: 0.83, std: 0.01, folds: 3 } }),
    node({ family: 'random_forest' }, { durationMs: 5200, cv: { mean: 0.8, std: 0.01, folds: 3 } }),
  ];
  nodes.push(
    node(
      { family: 'ensemble', members: [nodes[1]!.id, nodes[0]!.id] },
      { operator: 'ensemble', durationMs: 6600, cv: { mean: 0.84, std: 0.01, folds: 3 } },
    ),
  );
  const budgetMs = 30_000;
  const elapsedMs = 20_400;
  const d = await decideAt(plan, nodes, nodes[3]!, budgetMs, elapsedMs);
  assert.ok(d.kind === 'experiment' && d.operator !== 'draft', JSON.stringify(d));
  assertLoopStarts(d, nodes, budgetMs, elapsedMs);
});
