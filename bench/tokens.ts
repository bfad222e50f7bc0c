/**
 * `npm run bench:tokens`: prompt tokens per LLM decision type (docs/architecture.md, "Targets": ≤ 4k each).
 *
 * 1. The scripted scenario of test/llm-brain.test.ts (plan → a crash → diagnosis → fix →
 *    improvement → stop) through the real loop, sandbox and openai SDK, against the fake
 *    OpenAI server, which counts each request's tokens as ceil(characters / 4) of its messages.
 * 2. The same prompt builders on a synthetic worst case: 60 columns, 20 experiments in the
 *    journal, a 20 kB traceback and a long parent script.
 *
 * The JSON schema sent as `response_format` is billed as input too; it is shown apart.
 * Characters / 4 is a stand-in for a tokenizer (English prose is about 4 characters a token
 * for OpenAI's tokenizers; JSON and code run denser, so real counts can be ~20% higher).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { loadConfig } from '../core/config.ts';
import type { JournalNode, Plan } from '../core/schemas/journal.ts';
import type { ColumnProfile, Profile, TargetAnalysis } from '../core/schemas/profile.ts';
import { classifyCrash } from '../worker/diagnosis/classify-crash.ts';
import type { BrainState } from '../worker/brains/brain.ts';
import {
  diagnosePrompt,
  makeRedactor,
  nextPrompt,
  planPrompt,
  scriptPrompt,
  type Prompt,
} from '../worker/brains/llm/prompts.ts';
import {
  DiagnoseReplySchema,
  NextReplySchema,
  PlanReplySchema,
  ScriptReplySchema,
} from '../worker/brains/llm/schemas.ts';
import { countTokens, FakeOpenAI } from '../test/support/fake-openai.ts';
import { binaryTable, writeText } from '../test/support/fixtures.ts';
import {
  ONE_HOT_SCRIPT,
  promptTokensByDecision,
  runWithLlm,
  scenarioResponder,
} from '../test/support/llm-scenario.ts';
import { makeTempDir } from '../test/support/temp-dir.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUDGET = 4000;
const DECISIONS = ['plan', 'next', 'script', 'diagnose'] as const;
const schemaTokens: Record<string, number> = Object.fromEntries(
  Object.entries({
    plan: PlanReplySchema,
    next: NextReplySchema,
    script: ScriptReplySchema,
    diagnose: DiagnoseReplySchema,
  }).map(([d, s]) => [d, countTokens(JSON.stringify(z.toJSONSchema(s)))]),
);

async function scenarioTokens(): Promise<Record<string, number[]>> {
  const dir = await makeTempDir('bench-tokens');
  const fake = new FakeOpenAI({ respond: scenarioResponder() });
  try {
    const file = await writeText(join(dir.path, 'churn.csv'), binaryTable());
    const run = await runWithLlm({
      home: join(dir.path, 'home'),
      file,
      goal: 'predict churn',
      server: await fake.start(),
    });
    if (run.outcome.status !== 'succeeded')
      throw new Error(`the scenario did not succeed: ${run.outcome.error?.message}`);
    return promptTokensByDecision(fake);
  } finally {
    await fake.close();
    await dir.cleanup();
  }
}

/** A 60-column table, a 20-experiment journal, a long traceback: what a busy run sends. */
function worstCase(): Record<string, number> {
  const names = [
    'customer_lifetime_value_usd',
    'days_since_last_purchase',
    'preferred_payment_method',
    'account_created_at',
    'region_of_residence',
    'monthly_support_tickets',
  ];
  const columns: ColumnProfile[] = Array.from({ length: 60 }, (_, i) => {
    const name = `${names[i % names.length]}_${i}`;
    const kind = i % 3;
    return kind === 0
      ? {
          name,
          stored: 'float',
          meant: 'numeric',
          conversion: i % 6 === 0 ? 'currency' : null,
          missingShare: 0.031,
          unique: 8123,
          samples: ['1234.5678', '98.01', '0.000123'],
          min: -1234.5678,
          max: 987654.321,
          mean: 4567.891,
        }
      : kind === 1
        ? {
            name,
            stored: 'string',
            meant: 'categorical',
            conversion: null,
            missingShare: 0.12,
            unique: 37,
            samples: ['Credit card (Visa)', 'Bank transfer — SEPA', 'PayPal balance'],
          }
        : {
            name,
            stored: 'string',
            meant: 'datetime',
            conversion: 'datetime',
            missingShare: 0,
            unique: 9000,
            samples: ['2024-03-17 14:02:11', '2023-11-30 08:15:00', '2022-01-01 00:00:00'],
          };
  });
  columns.push({
    name: 'churned',
    stored: 'string',
    meant: 'categorical',
    conversion: null,
    missingShare: 0,
    unique: 2,
    samples: ['yes', 'no'],
  });
  const profile: Profile = {
    file: { bytes: 9_000_000, encoding: 'utf-8', delimiter: ',', lineEnding: 'LF', bom: false },
    rows: 50_000,
    columns,
    duplicateRows: 12,
    duplicateColumns: [],
    findings: Array.from(
      { length: 8 },
      (_, i) =>
        `Column '${columns[i]!.name}' holds numbers stored as text with a thousands separator; converting them (${i}).`,
    ),
  };
  const analysis: TargetAnalysis = {
    target: 'churned',
    task: 'binary',
    trainRows: 40_000,
    holdoutRows: 10_000,
    droppedRows: 0,
    classCounts: { no: 31_000, yes: 9_000 },
    classes: ['no', 'yes'],
    targetMean: null,
    targetStd: null,
    leakageSuspects: [
      { column: columns[3]!.name, score: 0.99, why: 'a single-feature tree reaches accuracy 0.99' },
    ],
    findings: ['Holding out 10000 rows for the final check; experiments train on 40000.'],
  };
  const plan: Plan = {
    target: 'churned',
    targetReason: 'the goal names it',
    task: 'binary',
    metric: 'roc_auc',
    metricReason: 'ranks positives above negatives whatever the threshold',
    families: ['baseline', 'linear', 'lightgbm', 'xgboost', 'random_forest', 'extra_trees'].map((family) => ({
      family,
      why: 'a reason of about the length a model writes for it, grounded in the data size and the column types',
    })),
    dropColumns: [
      { column: columns[3]!.name, why: 'leakage suspect: a single-feature tree reaches accuracy 0.99' },
    ],
  };
  const nodes: JournalNode[] = Array.from({ length: 20 }, (_, i) => ({
    id: `n${i + 1}`,
    parent: i === 0 ? null : `n${i}`,
    operator: i % 4 === 3 ? 'fix' : i % 4 === 2 ? 'tune' : 'draft',
    hypothesis:
      'a hypothesis of the length the model writes: more trees with a lower learning rate should reduce variance on this mid-sized table',
    recipe: { family: 'lightgbm', params: {}, guards: [], dropColumns: [], folds: 5, members: [] },
    dir: `experiments/n${i + 1}`,
    status: i % 4 === 2 ? 'failed' : 'succeeded',
    cv: i % 4 === 2 ? null : { mean: 0.8123, std: 0.0123, folds: 5 },
    diagnosis:
      i % 4 === 2
        ? {
            class: 'dtype',
            evidence: "ValueError: could not convert string to float: 'Bank transfer — SEPA'",
            fix: 'encode the text columns inside the pipeline before the estimator',
          }
        : null,
    finding: '',
    durationMs: 12_345,
    startedAt: new Date().toISOString(),
  }));
  const state: BrainState = {
    plan,
    profile,
    analysis,
    nodes,
    bestNodeId: 'n18',
    elapsedMs: 400_000,
    budgetMs: 900_000,
    maxExperiments: 40,
    steering: ['please also try xgboost, and leave out the region columns'],
    prefer: ['xgboost'],
    forbid: [],
  };
  const longScript = `${ONE_HOT_SCRIPT}\n${Array.from({ length: 60 }, (_, i) => `# feature engineering step ${i}: ratio of two columns, clipped at the 99th percentile`).join('\n')}\n`;
  const frame =
    '  File "/usr/lib/python3.12/site-packages/sklearn/utils/validation.py", line 1038, in check_array\n    array = _asarray_with_order(array, order=order, dtype=dtype, xp=xp)\n            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n';
  const stderr = `Traceback (most recent call last):\n${frame.repeat(Math.ceil(20_000 / frame.length))}ValueError: could not convert string to float: 'Bank transfer — SEPA'\n`;
  const evidence = {
    exitCode: 1,
    timedOut: false,
    oomKilled: false,
    stderr,
    missingOutputs: ['model/', 'metrics.json'],
  };
  const config = loadConfig({ OURO_HOME: '/tmp/ouro-bench' });
  const count = (p: Prompt) => countTokens(p.system + p.user);
  return {
    plan: count(
      planPrompt({
        goal: 'predict which customers churn next quarter, we care most about catching the ones who leave',
        target: 'churned',
        targetReason: plan.targetReason,
        task: 'binary',
        metric: 'roc_auc',
        metricReason: plan.metricReason,
        profile,
        analysis,
      }),
    ),
    next: count(nextPrompt(state, 300)),
    script: count(
      scriptPrompt(state, {
        operator: 'fix',
        family: 'lightgbm',
        hypothesis: nodes[2]!.hypothesis,
        parent: nodes[2]!,
        parentScript: longScript,
        members: [],
        timeLimitS: 300,
      }),
    ),
    diagnose: count(
      diagnosePrompt(
        nodes[2]!,
        classifyCrash(evidence),
        evidence,
        longScript,
        makeRedactor(config, '/tmp/ouro-bench/runs/r1'),
      ),
    ),
  };
}

async function main(): Promise<void> {
  const scenario = await scenarioTokens();
  const synthetic = worstCase();
  const over: string[] = [];
  const lines = [
    'Prompt tokens per decision (characters / 4, as the fake OpenAI server counts them; the response_format schema is billed on top)',
    '',
    '| decision | scenario calls | scenario mean | scenario max | worst case (60 columns, 20 experiments, 20 kB traceback) | schema | max + schema vs 4k |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const d of DECISIONS) {
    const xs = scenario[d] ?? [];
    const max = Math.max(0, ...xs);
    const worst = Math.max(max, synthetic[d] ?? 0) + schemaTokens[d]!;
    if (worst > BUDGET) over.push(d);
    lines.push(
      `| ${d} | ${xs.length} | ${xs.length ? Math.round(xs.reduce((a, b) => a + b, 0) / xs.length) : '-'} | ${max} | ${synthetic[d]} | ${schemaTokens[d]} | ${worst} ${worst <= BUDGET ? '✓' : '✗'} |`,
    );
  }
  console.log(lines.join('\n'));
  await mkdir(join(ROOT, 'bench', 'results'), { recursive: true });
  await writeFile(
    join(ROOT, 'bench', 'results', 'tokens.json'),
    JSON.stringify({ budget: BUDGET, scenario, synthetic, schemaTokens }, null, 2) + '\n',
  );
  if (over.length > 0) {
    console.error(`over the ${BUDGET}-token budget: ${over.join(', ')}`);
    process.exitCode = 1;
  }
}

await main();
