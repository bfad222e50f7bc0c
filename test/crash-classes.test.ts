import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import type { CrashClass } from '../core/schemas/diagnosis.ts';
import type { Recipe } from '../core/schemas/journal.ts';
import type { BrainState, Decision } from '../worker/brains/brain.ts';
import { FULL_GUARDS } from '../worker/brains/heuristic/write-script.ts';
import { binaryTable, regressionTable, writeText } from './support/fixtures.ts';
import { runInProcess } from './support/run-in-process.ts';
import { ScriptedBrain } from './support/scripted-brain.ts';
import { makeTempDir } from './support/temp-dir.ts';

/**
 * Forces each crash class of the taxonomy (docs/architecture.md, "Crash taxonomy") with a known-bad first experiment,
 * then checks that the real classifier names it and the real heuristic fix makes the next
 * experiment succeed.
 */

const without = (...drop: string[]) => FULL_GUARDS.filter((g) => !drop.includes(g));

function forced(recipe: Partial<Recipe> & { family: string }, script?: string): (s: BrainState) => Decision {
  return (s) => ({
    kind: 'experiment',
    operator: 'draft',
    parent: null,
    hypothesis: `forced ${recipe.family} for the crash test`,
    recipe: {
      params: {},
      guards: [...FULL_GUARDS],
      dropColumns: s.plan.dropColumns.map((d) => d.column),
      folds: 5,
      members: [],
      ...recipe,
    },
    ...(script !== undefined ? { script } : {}),
  });
}

const baseline = forced({ family: 'baseline' });

const CONTRACT_SCRIPT = `from sklearn.linear_model import LogisticRegression
from ouro_harness import load_train
X, y = load_train()
X = X.select_dtypes("number").fillna(0)
LogisticRegression().fit(X, y)
print("trained, but forgot to save anything")
`;

/** A family whose library the sandbox image lacks (CatBoost is not in sandbox/requirements.txt), as an LLM might write it. */
const IMPORT_SCRIPT = `from catboost import CatBoostClassifier
from ouro_harness import load_train
X, y = load_train()
CatBoostClassifier(verbose=0).fit(X, y)
`;

interface Scenario {
  cls: CrashClass;
  table: 'binary' | 'regression' | 'leaky' | 'rare' | 'missing' | 'wide';
  goal: string;
  first: ((s: BrainState) => Decision)[];
  env?: Record<string, string>;
  memoryMb?: number;
}

const scenarios: Scenario[] = [
  {
    cls: 'dtype',
    table: 'binary',
    goal: 'predict churn',
    first: [forced({ family: 'linear', guards: without('encode') })],
  },
  {
    cls: 'missing',
    table: 'missing',
    goal: 'predict churn',
    first: [forced({ family: 'linear', guards: without('impute') })],
  },
  {
    cls: 'unseen_category',
    table: 'rare',
    goal: 'predict churn',
    first: [forced({ family: 'linear', guards: without('handle_unknown') })],
  },
  {
    cls: 'label',
    table: 'binary',
    goal: 'predict churn',
    first: [forced({ family: 'xgboost', guards: without('label_encode') })],
  },
  {
    cls: 'schema',
    table: 'binary',
    goal: 'predict churn',
    first: [forced({ family: 'linear', dropColumns: ['Not_A_Column'] })],
  },
  {
    cls: 'import',
    table: 'binary',
    goal: 'predict churn',
    first: [forced({ family: 'catboost' }, IMPORT_SCRIPT)],
  },
  {
    cls: 'memory',
    table: 'wide',
    goal: 'predict churn',
    memoryMb: 1200,
    first: [forced({ family: 'linear', guards: without('sparse', 'handle_unknown') })],
  },
  {
    cls: 'timeout',
    table: 'binary',
    goal: 'predict churn',
    env: { OURO_EXPERIMENT_TIMEOUT_S: '20' },
    first: [forced({ family: 'random_forest', params: { n_estimators: 100000 } })],
  },
  {
    cls: 'contract',
    table: 'binary',
    goal: 'predict churn',
    first: [forced({ family: 'linear' }, CONTRACT_SCRIPT)],
  },
  {
    cls: 'leakage',
    table: 'leaky',
    goal: 'predict churn',
    first: [forced({ family: 'lightgbm', dropColumns: [] })],
  },
  {
    cls: 'degenerate',
    table: 'regression',
    goal: 'predict price',
    first: [baseline, forced({ family: 'random_forest', dropColumns: ['a', 'b', 'city'] })],
  },
];

describe('every crash class is diagnosed and fixed', { concurrency: 2 }, () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  const files: Record<Scenario['table'], string> = {} as Record<Scenario['table'], string>;

  before(async () => {
    dir = await makeTempDir('crash');
    files.binary = await writeText(join(dir.path, 'binary.csv'), binaryTable());
    files.missing = await writeText(join(dir.path, 'missing.csv'), binaryTable({ missing: true }));
    files.rare = await writeText(join(dir.path, 'rare.csv'), binaryTable({ rareCategory: true }));
    files.leaky = await writeText(join(dir.path, 'leaky.csv'), binaryTable({ leakyCopy: true }));
    files.regression = await writeText(join(dir.path, 'regression.csv'), regressionTable());
    files.wide = await writeText(
      join(dir.path, 'wide.csv'),
      binaryTable({ rows: 20000, codeCardinality: 10000 }),
    );
  });
  after(() => dir.cleanup());

  for (const sc of scenarios) {
    test(sc.cls, async () => {
      const home = join(dir.path, `home-${sc.cls}`);
      const forcedCount = sc.first.length;
      const run = await runInProcess({
        home,
        file: files[sc.table],
        goal: sc.goal,
        brain: new ScriptedBrain(sc.first),
        options: { maxExperiments: forcedCount + 1, budgetSeconds: 300 },
        ...(sc.env ? { env: sc.env } : {}),
        ...(sc.memoryMb ? { limits: { memoryMb: sc.memoryMb } } : {}),
      });
      const nodes = run.outcome.journal.nodes;
      const bad = nodes[forcedCount - 1]!;
      const fix = nodes[forcedCount];
      assert.equal(bad.status, 'failed', `${sc.cls}: the forced experiment should fail`);
      assert.equal(
        bad.diagnosis?.class,
        sc.cls,
        `${sc.cls}: diagnosed as ${bad.diagnosis?.class} — ${bad.diagnosis?.evidence}`,
      );
      assert.ok(fix, `${sc.cls}: no fix was attempted`);
      assert.equal(fix.operator, 'fix');
      assert.equal(fix.parent, bad.id);
      assert.equal(
        fix.status,
        'succeeded',
        `${sc.cls}: the fix failed too — ${fix.diagnosis?.class}: ${fix.diagnosis?.evidence}`,
      );
      const failedEvent = run.events.find((e) => e.type === 'experiment.failed' && e.node === bad.id);
      assert.ok(
        failedEvent && failedEvent.type === 'experiment.failed' && failedEvent.diagnosis.class === sc.cls,
      );
      assert.equal(run.outcome.status, 'succeeded', `${sc.cls}: ${run.outcome.error?.message}`);
    });
  }
});
