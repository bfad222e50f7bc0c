import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../../core/config.ts';
import { FileEventLog } from '../../../core/events/event-log.ts';
import { runPaths } from '../../../core/run-paths.ts';
import type { Plan } from '../../../core/schemas/journal.ts';
import type { Profile, TargetAnalysis } from '../../../core/schemas/profile.ts';
import { makeTempDir } from '../../../test/support/temp-dir.ts';
import { LlmBrain } from './llm-brain.ts';
import { recipeOf } from './recipe-of.ts';

test('the journal recipe of an LLM script is read from the script itself', () => {
  const script = `from sklearn.impute import SimpleImputer
from sklearn.preprocessing import OneHotEncoder
from ouro_harness import LabelEncoded, load_train, cross_validate, save_model, write_metrics
X, y = load_train(drop=["customer_id", 'notes'], max_rows=5000)
pre = OneHotEncoder(handle_unknown="ignore", sparse_output=True)
scores = cross_validate(model, X, y, folds=3)
`;
  const r = recipeOf(
    script,
    'xgboost',
    [
      { name: 'n_estimators', value: '300' },
      { name: 'learning_rate', value: '0.05' },
      { name: 'tree_method', value: '"hist"' },
      { name: 'bad name', value: '1' },
    ],
    [],
  );
  assert.deepEqual(r, {
    family: 'xgboost',
    params: { n_estimators: 300, learning_rate: 0.05, tree_method: 'hist' },
    guards: ['impute', 'encode', 'handle_unknown', 'sparse', 'label_encode'],
    dropColumns: ['customer_id', 'notes'],
    maxRows: 5000,
    folds: 3,
    members: [],
  });
  assert.equal(
    recipeOf('X, y = load_train()\ncross_validate(m, X, y, folds=50)', 'linear', [], []).folds,
    10,
  );
});

test('a resumed run keeps counting its spend: the cap holds across processes', async () => {
  const dir = await makeTempDir('llm-resume');
  try {
    const paths = runPaths(dir.path, 'r-resume');
    const log = new FileEventLog(paths.events, 'r-resume');
    const spent = {
      type: 'brain.usage',
      decision: 'script',
      model: 'gpt-4.1-mini',
      calls: 1,
      promptTokens: 2000,
      completionTokens: 500,
      costUsd: 0.0016,
      totalTokens: 2500,
      totalCostUsd: 0.0016,
    } as const;
    await log.emit(spent);
    await log.emit({ ...spent, totalTokens: 5000, totalCostUsd: 0.0032 });
    // Nothing listens on port 9: a call would fail, so only the restored spend can stop this run.
    const config = loadConfig({
      OURO_HOME: dir.path,
      OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
      OURO_LLM_MAX_TOKENS_PER_RUN: '5000',
      OURO_LLM_RETRIES: '0',
    });
    const brain = new LlmBrain({ config, events: log, paths });
    const profile: Profile = {
      file: { bytes: 1, encoding: 'utf-8', delimiter: ',', lineEnding: 'LF', bom: false },
      rows: 10,
      columns: [],
      duplicateRows: 0,
      duplicateColumns: [],
      findings: [],
    };
    const analysis: TargetAnalysis = {
      target: 'y',
      task: 'binary',
      trainRows: 8,
      holdoutRows: 2,
      droppedRows: 0,
      classCounts: null,
      classes: null,
      targetMean: null,
      targetStd: null,
      leakageSuspects: [],
      findings: [],
    };
    const plan: Plan = {
      target: 'y',
      targetReason: '',
      task: 'binary',
      metric: 'roc_auc',
      metricReason: '',
      families: [],
      dropColumns: [],
    };
    const decision = await brain.next({
      plan,
      profile,
      analysis,
      nodes: [],
      bestNodeId: 'n1',
      elapsedMs: 0,
      budgetMs: 60_000,
      maxExperiments: 5,
      steering: [],
      prefer: [],
      forbid: [],
    });
    assert.equal(decision.kind, 'stop');
    assert.match(decision.kind === 'stop' ? decision.why : '', /^token cap: 5,000 of 5,000 tokens spent/);
    assert.deepEqual(
      { calls: brain.usage().calls, tokens: brain.usage().totalTokens },
      { calls: 2, tokens: 5000 },
    );
  } finally {
    await dir.cleanup();
  }
});
