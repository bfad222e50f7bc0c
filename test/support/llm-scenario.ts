import type { RunOptions } from '../../core/schemas/run-request.ts';
import { createBrain } from '../../worker/brains/create-brain.ts';
import type { FakeOpenAI, FakeReply, RecordedRequest } from './fake-openai.ts';
import { runInProcess, type InProcessRun } from './run-in-process.ts';

/** A key shaped like a real one, so the tests can prove it never reaches a prompt. */
export const TEST_API_KEY = 'sk-test-ouro-0123456789abcdefghijklmnop';

export type LlmRun = InProcessRun;

/**
 * The real loop with the LLM brain as `ouro run --brain llm` builds it (the real openai SDK,
 * the fallback brain behind it), pointed at a fake OpenAI server, with the real sandbox.
 */
export function runWithLlm(opts: {
  home: string;
  file: string;
  goal: string;
  server: string;
  options?: Partial<RunOptions>;
  env?: Record<string, string>;
}): Promise<LlmRun> {
  return runInProcess({
    home: opts.home,
    file: opts.file,
    goal: opts.goal,
    options: { budgetSeconds: 120, maxExperiments: 6, brain: 'llm', ...opts.options },
    env: {
      OPENAI_API_KEY: TEST_API_KEY,
      OPENAI_BASE_URL: opts.server,
      OURO_LLM_MODEL: 'gpt-4.1-mini',
      OURO_LLM_RETRIES: '1',
      ...opts.env,
    },
    brainFor: (events, paths, config) => createBrain('llm', { config, events, paths }),
  });
}

// ------------------------------------------------------------------ scripts the "LLM" writes

const HARNESS = 'from ouro_harness import load_train, task_info, cross_validate, save_model, write_metrics';

/** Fits a linear model on raw columns: the text column `city` makes it crash (dtype). */
export const CRASHING_SCRIPT = `from sklearn.linear_model import LogisticRegression
${HARNESS}

info = task_info()
X, y = load_train()
model = LogisticRegression(max_iter=1000)
scores = cross_validate(model, X, y, folds=5)
model.fit(X, y)
save_model(model, X)
write_metrics(scores)
`;

/** The minimal fix: leave the text column out. */
export const FIXED_SCRIPT = `from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
${HARNESS}

info = task_info()
X, y = load_train(drop=["city"])
model = make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))
scores = cross_validate(model, X, y, folds=5)
model.fit(X, y)
save_model(model, X)
write_metrics(scores)
`;

/** The improvement: one-hot encode the city instead of dropping it. */
export const ONE_HOT_SCRIPT = `from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
${HARNESS}

info = task_info()
X, y = load_train()
numeric = X.select_dtypes("number").columns.tolist()
categorical = [c for c in X.columns if c not in numeric]
pre = ColumnTransformer([
    ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
    ("cat", make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"), OneHotEncoder(handle_unknown="ignore")), categorical),
])
model = make_pipeline(pre, LogisticRegression(C=1.0, max_iter=1000))
scores = cross_validate(model, X, y, folds=5)
model.fit(X, y)
save_model(model, X)
write_metrics(scores)
`;

const params = [
  { name: 'C', value: '1.0' },
  { name: 'max_iter', value: '1000' },
];

// ------------------------------------------------------------------ scripted replies

type Responder = (req: RecordedRequest) => FakeReply;

const planReply = {
  json: {
    confirmed: true,
    concern: null,
    families: [
      { family: 'linear', why: 'three columns, a mostly linear signal' },
      { family: 'lightgbm', why: 'interactions, if any' },
    ],
    dropColumns: [],
  },
};
const stopReply = (why: string) => ({
  json: {
    action: 'stop',
    why,
    operator: null,
    parent: null,
    family: null,
    hypothesis: null,
    members: [],
    strategy: null,
  },
});

/**
 * The acceptance scenario: plan → a linear model that crashes on the text column (dtype) →
 * a diagnosis → the fix (drop the column) → an improvement (one-hot encode it) → stop.
 */
export function scenarioResponder(): Responder {
  const seen: Record<string, number> = {};
  return (req) => {
    const d = req.decision ?? '?';
    const i = (seen[d] = (seen[d] ?? 0) + 1) - 1;
    switch (d) {
      case 'plan':
        return planReply;
      case 'next':
        return (
          [
            {
              json: {
                action: 'experiment',
                why: 'start simple',
                operator: 'draft',
                parent: null,
                family: 'linear',
                hypothesis: 'a logistic regression on the raw columns shows how linear the signal is',
                members: [],
                strategy: null,
              },
            },
            {
              json: {
                action: 'experiment',
                why: 'n1 crashed on a text column',
                operator: 'fix',
                parent: 'n1',
                family: 'linear',
                hypothesis: 'leaving the text column out lets the linear model fit',
                members: [],
                strategy: null,
              },
            },
            {
              json: {
                action: 'experiment',
                why: 'city was dropped, not used',
                operator: 'improve',
                parent: 'n2',
                family: 'linear',
                hypothesis: 'one-hot encoding city adds the Paris effect back',
                members: [],
                strategy: {
                  from: 'repairing the linear model',
                  to: 'feature engineering on the linear model',
                  why: 'the fix works but throws away city',
                },
              },
            },
          ][i] ??
          stopReply('the one-hot linear model captures the signal; more experiments are unlikely to pay off')
        );
      case 'script':
        return {
          json: { script: [CRASHING_SCRIPT, FIXED_SCRIPT, ONE_HOT_SCRIPT][i] ?? ONE_HOT_SCRIPT, params },
        };
      case 'diagnose':
        return {
          json: {
            fix: 'encode "city" (one-hot) inside the pipeline, or leave it out',
            column: 'city',
            crashClass: null,
          },
        };
      default:
        return { status: 400, message: `unexpected request ${d}` };
    }
  };
}

/** A plain, well-behaved LLM: plan, one one-hot linear model, stop. */
export function simpleResponder(): Responder {
  let nexts = 0;
  return (req) => {
    switch (req.decision) {
      case 'plan':
        return planReply;
      case 'next':
        return nexts++ === 0
          ? {
              json: {
                action: 'experiment',
                why: 'a first model',
                operator: 'draft',
                parent: null,
                family: 'linear',
                hypothesis: 'a one-hot linear model fits this small table',
                members: [],
                strategy: null,
              },
            }
          : stopReply('good enough');
      case 'script':
        return { json: { script: ONE_HOT_SCRIPT, params } };
      case 'diagnose':
        return { json: { fix: 'look at the traceback', column: null, crashClass: null } };
      default:
        return { status: 400, message: `unexpected request ${req.decision}` };
    }
  };
}

/** Prompt tokens per decision type, as the fake server counted them. */
export function promptTokensByDecision(server: FakeOpenAI): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const r of server.requests)
    if (r.usage !== null && r.decision !== null) (out[r.decision] ??= []).push(r.usage.prompt_tokens);
  return out;
}
