/**
 * Real models for the serving tests, made the way a run makes them but in seconds: the
 * harness's own `inspect` and `split` steps, a short train.py through the experiment API, and
 * `publishModel` into a temporary OURO_HOME. Test-only (imported by *.test.ts and the bench).
 */
import { spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { PACKAGE_ROOT, loadConfig } from '../core/config.ts';
import { publishModel, versionDir } from '../core/registry.ts';
import { runPaths } from '../core/run-paths.ts';
import type { ModelCard } from '../core/schemas/model-card.ts';

export const PYTHON = loadConfig({}).OURO_PYTHON;
const HARNESS = join(PACKAGE_ROOT, 'sandbox', 'python');

export function python(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): string {
  const r = spawnSync(PYTHON, args, {
    cwd: opts.cwd ?? PACKAGE_ROOT,
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', HOME: tmpdir(), PYTHONPATH: HARNESS, OMP_NUM_THREADS: '1', ...opts.env },
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status !== 0)
    throw new Error(`python ${args.slice(0, 3).join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** A temporary OURO_HOME the sandbox users (group 65534 or everyone) can traverse. */
export async function tempHome(prefix = 'ouro-serve-'): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), prefix));
  await chmod(home, 0o755);
  return home;
}

const ESTIMATORS = {
  linear: {
    cls: 'LogisticRegression(max_iter=2000)',
    reg: 'Ridge()',
    imports: 'from sklearn.linear_model import LogisticRegression, Ridge',
    encoding: 'onehot',
  },
  forest: {
    cls: 'RandomForestClassifier(n_estimators=40, random_state=0, n_jobs=1)',
    reg: 'RandomForestRegressor(n_estimators=40, random_state=0, n_jobs=1)',
    imports: 'from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor',
    encoding: 'ordinal',
  },
  lightgbm: {
    cls: 'LGBMClassifier(n_estimators=60, verbose=-1, n_jobs=1)',
    reg: 'LGBMRegressor(n_estimators=60, verbose=-1, n_jobs=1)',
    imports: 'from lightgbm import LGBMClassifier, LGBMRegressor',
    encoding: 'ordinal',
  },
  // Converts to ONNX, but its float64 bin thresholds can make the float32 graph disagree (docs/benchmarks.md).
  histgb: {
    cls: 'HistGradientBoostingClassifier(max_iter=60, random_state=0)',
    reg: 'HistGradientBoostingRegressor(max_iter=60, random_state=0)',
    imports: 'from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor',
    encoding: 'ordinal',
  },
  // The heuristic brain's baseline family: the training prior (classification) or mean.
  prior: {
    cls: 'DummyClassifier(strategy="prior")',
    reg: 'DummyRegressor(strategy="mean")',
    imports: 'from sklearn.dummy import DummyClassifier, DummyRegressor',
    encoding: 'none',
  },
} as const;
/** Members of the 'blend' fixture: the heuristic brain's ensemble of the leading families. */
const BLEND_MEMBERS = ['linear', 'lightgbm', 'forest'] as const;
export type FixtureFamily = keyof typeof ESTIMATORS | 'blend';

function builder(name: string, family: keyof typeof ESTIMATORS, classifier: boolean): string {
  const e = ESTIMATORS[family];
  const estimator = classifier ? e.cls : e.reg;
  if (e.encoding === 'none') return `def ${name}():\n    return ${estimator}\n`;
  const cat =
    e.encoding === 'onehot'
      ? 'make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"), OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=5))'
      : 'make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"), OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-2))';
  const num =
    e.encoding === 'onehot'
      ? 'make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler())'
      : 'SimpleImputer(strategy="median")';
  return `def ${name}():\n    return make_pipeline(ColumnTransformer([("num", ${num}, numeric), ("cat", ${cat}, categorical)]), ${estimator})\n`;
}

function trainScript(family: FixtureFamily, classifier: boolean): string {
  const members = family === 'blend' ? BLEND_MEMBERS : [family];
  const head = `from sklearn.compose import ColumnTransformer
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
${[...new Set(members.map((m) => ESTIMATORS[m].imports))].join('\n')}
from ouro_harness import blend_select, cross_validate, load_train, save_model, write_metrics

X, y = load_train()
numeric = X.select_dtypes("number").columns.tolist()
categorical = [c for c in X.columns if c not in numeric]
${members.map((m, i) => builder(`build_${i}`, m, classifier)).join('')}
`;
  // As worker/brains/heuristic/write-script.ts writes an ensemble: greedy weights on
  // out-of-fold predictions, then soft voting with the weights as a list.
  const body =
    family === 'blend'
      ? `members = [${members.map((m, i) => `("${m}_${i}", build_${i}())`).join(', ')}]
weights, scores = blend_select([m for _, m in members], X, y, folds=3)
chosen = [(name, m, w) for (name, m), w in zip(members, weights) if w > 0]
model = ${classifier ? 'VotingClassifier([(name, m) for name, m, _ in chosen], voting="soft", weights=[w for _, _, w in chosen])' : 'VotingRegressor([(name, m) for name, m, _ in chosen], weights=[w for _, _, w in chosen])'}
`
      : `model = build_0()
scores = cross_validate(model, X, y, folds=3)
`;
  return `${head}${body}model.fit(X, y)
save_model(model, X)
write_metrics(scores)
`;
}

export interface Fixture {
  home: string;
  name: string;
  version: number;
  runId: string;
  holdoutFeatures: string;
  modelDir: string;
}

/** Trains `family` on `csv` and publishes it as the next version of `name` in `home`. */
export async function publishFixtureModel(opts: {
  home: string;
  name: string;
  csv: string;
  target: string;
  task: 'binary' | 'multiclass' | 'regression';
  metric: ModelCard['metric'];
  family: FixtureFamily;
  runId?: string;
  /** A train.py to run instead of the family's template (the card still names `family`). */
  script?: string;
}): Promise<Fixture> {
  const runId = opts.runId ?? `r-test-${opts.name}-${Math.random().toString(36).slice(2, 8)}`;
  const p = runPaths(opts.home, runId);
  for (const dir of [p.root, p.input, p.prep, p.workspace, p.holdout, p.vault, p.experiments])
    await mkdir(dir, { recursive: true, mode: 0o755 });
  const input = join(p.input, basename(opts.csv));
  await copyFile(opts.csv, input);
  python(['-m', 'ouro_harness', 'inspect', '--input', input, '--profile', p.profile, '--table', p.table]);
  python([
    '-m',
    'ouro_harness',
    'split',
    '--table',
    p.table,
    '--profile',
    p.profile,
    '--target',
    opts.target,
    '--task',
    opts.task,
    '--metric',
    opts.metric,
    '--seed',
    '42',
    '--holdout-fraction',
    '0.2',
    '--workspace',
    p.workspace,
    '--holdout',
    p.holdout,
    '--vault',
    p.vault,
  ]);
  const exp = join(p.experiments, 'n1');
  await mkdir(exp, { recursive: true, mode: 0o755 });
  const script = join(exp, 'train.py');
  await writeFile(script, opts.script ?? trainScript(opts.family, opts.task !== 'regression'));
  python([script], { cwd: exp, env: { OURO_DATA_DIR: p.workspace } });
  const metrics = JSON.parse(await readFile(join(exp, 'metrics.json'), 'utf8')) as {
    mean: number;
    std: number;
    folds: number;
  };
  const signature = JSON.parse(await readFile(join(exp, 'model', 'signature.json'), 'utf8')) as {
    classes: string[] | null;
    inputs: { name: string; dtype: string }[];
  };
  const card = await publishModel(opts.home, opts.name, {
    modelDir: join(exp, 'model'),
    scriptPath: script,
    card: {
      runId,
      createdAt: new Date().toISOString(),
      task: opts.task,
      target: opts.target,
      metric: opts.metric,
      holdout: { score: metrics.mean, baseline: 0.5, rows: 0, all: { [opts.metric]: metrics.mean } },
      cv: { mean: metrics.mean, std: metrics.std, folds: metrics.folds },
      // The card names families as the heuristic brain does.
      family: opts.family === 'blend' ? 'ensemble' : opts.family === 'prior' ? 'baseline' : opts.family,
      script: 'train.py',
      data: {
        file: basename(opts.csv),
        rows: 0,
        columns: signature.inputs.length + 1,
        trainRows: 0,
        holdoutRows: 0,
        seed: 42,
      },
      experiments: { tried: 1, succeeded: 1, failed: 0 },
      durationMs: 1000,
      findings: [],
      inputs: signature.inputs.map((i) => ({ name: i.name, dtype: i.dtype })),
      classes: signature.classes,
    },
  });
  return {
    home: opts.home,
    name: opts.name,
    version: card.version,
    runId,
    holdoutFeatures: p.holdoutFeatures,
    modelDir: join(versionDir(opts.home, opts.name, card.version), 'model'),
  };
}

/** The holdout features as JSON records of raw strings (null for missing), as a client would send them. */
export function holdoutRecords(features: string): Record<string, string | null>[] {
  const out = python([
    '-c',
    'import sys, json; from ouro_harness.tables import read_parquet; df = read_parquet(sys.argv[1]); print(json.dumps(df.astype(object).where(df.notna(), None).to_dict(orient="records")))',
    features,
  ]);
  return JSON.parse(out) as Record<string, string | null>[];
}

/** The Python model's own answers on a file, through the harness's `predict` CLI. */
export async function harnessPredict(
  modelDir: string,
  input: string,
): Promise<{
  predictions: (string | number | null)[];
  probabilities: number[][] | null;
  classes: string[] | null;
}> {
  const out = join(await mkdtemp(join(tmpdir(), 'ouro-pred-')), 'out.json');
  python(['-m', 'ouro_harness', 'predict', '--model', modelDir, '--input', input, '--out', out]);
  return JSON.parse(await readFile(out, 'utf8'));
}

export const EXAMPLES = join(PACKAGE_ROOT, 'examples');
