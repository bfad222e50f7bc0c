import type { Recipe } from '../../../core/schemas/journal.ts';
import { findFamily, familyLabel } from '../../../core/catalog/family-lookup.ts';
import type { Task } from '../../../core/schemas/task.ts';
import { TEXT_COMPONENTS } from './feature-steps.ts';

/**
 * Turns a recipe into a whole, readable `train.py`. The script imports only the pinned
 * sandbox libraries and the ouro harness, so a user can take the winning one away and run it.
 */

export const FULL_GUARDS = ['impute', 'encode', 'handle_unknown', 'scale', 'sparse', 'label_encode'] as const;

type ModelTask = Task;

export interface FamilySpec {
  imports: (task: ModelTask) => string[];
  /** Python expression building the estimator (without preprocessing). */
  estimator: (task: ModelTask, params: Record<string, unknown>) => string;
  /** One-hot for linear models, ordinal codes for trees. */
  encoding: 'onehot' | 'ordinal' | 'none';
  defaults: (task: ModelTask) => Record<string, unknown>;
}

const classifier = (task: ModelTask) => task !== 'regression';

function py(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(py).join(', ')}]`;
  return JSON.stringify(value);
}

function kwargs(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${py(v)}`)
    .join(', ');
}

/**
 * Each tabular family's script recipe, by its catalog id (core/catalog/families.ts has its label,
 * aliases, tuning and search space); a test fails when a catalogued tabular family has none.
 */
export const FAMILIES: Record<string, FamilySpec> = {
  baseline: {
    imports: (t) => [
      classifier(t)
        ? 'from sklearn.dummy import DummyClassifier'
        : 'from sklearn.dummy import DummyRegressor',
    ],
    estimator: (t, p) =>
      classifier(t)
        ? `DummyClassifier(${kwargs({ strategy: 'prior', ...p })})`
        : `DummyRegressor(${kwargs({ strategy: 'mean', ...p })})`,
    encoding: 'none',
    defaults: () => ({}),
  },
  linear: {
    imports: (t) => [
      classifier(t)
        ? 'from sklearn.linear_model import LogisticRegression'
        : 'from sklearn.linear_model import Ridge',
    ],
    estimator: (t, p) => (classifier(t) ? `LogisticRegression(${kwargs(p)})` : `Ridge(${kwargs(p)})`),
    encoding: 'onehot',
    defaults: (t) => (classifier(t) ? { C: 1.0, max_iter: 2000 } : { alpha: 1.0 }),
  },
  lightgbm: {
    imports: (t) => [
      classifier(t) ? 'from lightgbm import LGBMClassifier' : 'from lightgbm import LGBMRegressor',
    ],
    estimator: (t, p) =>
      `${classifier(t) ? 'LGBMClassifier' : 'LGBMRegressor'}(${kwargs({
        n_jobs: 'THREADS',
        ...p,
        random_state: 'SEED',
        verbose: -1,
      })
        .replace('"SEED"', 'SEED')
        .replace('"THREADS"', 'THREADS')})`,
    encoding: 'ordinal',
    defaults: () => ({
      n_estimators: 300,
      learning_rate: 0.05,
      num_leaves: 31,
      min_child_samples: 20,
      subsample: 0.8,
      subsample_freq: 1,
      colsample_bytree: 0.8,
    }),
  },
  random_forest: {
    imports: (t) => [
      classifier(t)
        ? 'from sklearn.ensemble import RandomForestClassifier'
        : 'from sklearn.ensemble import RandomForestRegressor',
    ],
    estimator: (t, p) =>
      `${classifier(t) ? 'RandomForestClassifier' : 'RandomForestRegressor'}(${kwargs({ ...p, random_state: 'SEED', n_jobs: 2 }).replace('"SEED"', 'SEED')})`,
    encoding: 'ordinal',
    defaults: () => ({ n_estimators: 200, min_samples_leaf: 1, max_features: 'sqrt' }),
  },
  extra_trees: {
    imports: (t) => [
      classifier(t)
        ? 'from sklearn.ensemble import ExtraTreesClassifier'
        : 'from sklearn.ensemble import ExtraTreesRegressor',
    ],
    estimator: (t, p) =>
      `${classifier(t) ? 'ExtraTreesClassifier' : 'ExtraTreesRegressor'}(${kwargs({ ...p, random_state: 'SEED', n_jobs: 2 }).replace('"SEED"', 'SEED')})`,
    encoding: 'ordinal',
    defaults: () => ({ n_estimators: 250, min_samples_leaf: 1, max_features: 0.7 }),
  },
  hist_gb: {
    imports: (t) => [
      classifier(t)
        ? 'from sklearn.ensemble import HistGradientBoostingClassifier'
        : 'from sklearn.ensemble import HistGradientBoostingRegressor',
    ],
    estimator: (t, p) =>
      `${classifier(t) ? 'HistGradientBoostingClassifier' : 'HistGradientBoostingRegressor'}(${kwargs({ ...p, random_state: 'SEED' }).replace('"SEED"', 'SEED')})`,
    encoding: 'ordinal',
    defaults: () => ({ max_iter: 300, learning_rate: 0.06 }),
  },
  xgboost: {
    imports: (t) => [
      classifier(t) ? 'from xgboost import XGBClassifier' : 'from xgboost import XGBRegressor',
    ],
    estimator: (t, p) =>
      `${classifier(t) ? 'XGBClassifier' : 'XGBRegressor'}(${kwargs({
        n_jobs: 'THREADS',
        ...p,
        random_state: 'SEED',
      })
        .replace('"SEED"', 'SEED')
        .replace('"THREADS"', 'THREADS')})`,
    encoding: 'ordinal',
    defaults: () => ({
      n_estimators: 300,
      learning_rate: 0.05,
      max_depth: 5,
      subsample: 0.8,
      colsample_bytree: 0.8,
      tree_method: 'hist',
    }),
  },
};

function preprocessBlock(
  encoding: FamilySpec['encoding'],
  guards: ReadonlySet<string>,
  targetEncode: readonly string[] = [],
  text: readonly string[] = [],
  anyText = false,
): string[] {
  if (encoding === 'none') return ['    return estimator'];
  const numSteps: string[] = [];
  if (guards.has('impute'))
    numSteps.push(`SimpleImputer(strategy="median"${encoding === 'onehot' ? ', add_indicator=True' : ''})`);
  if (encoding === 'onehot' && guards.has('scale')) numSteps.push('StandardScaler()');
  const catSteps: string[] = [];
  if (guards.has('impute')) catSteps.push('SimpleImputer(strategy="constant", fill_value="missing")');
  if (guards.has('encode')) {
    if (encoding === 'onehot') {
      const unknown = guards.has('handle_unknown') ? '"infrequent_if_exist"' : '"error"';
      const sparse = guards.has('sparse') ? 'True' : 'False';
      const freq = guards.has('handle_unknown') ? ', min_frequency=5' : '';
      catSteps.push(`OneHotEncoder(handle_unknown=${unknown}${freq}, sparse_output=${sparse})`);
    } else {
      const unknown = guards.has('handle_unknown')
        ? 'handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-2'
        : '';
      catSteps.push(`OrdinalEncoder(${unknown})`);
    }
  }
  const pipe = (steps: string[]) =>
    steps.length === 0
      ? '"passthrough"'
      : steps.length === 1
        ? steps[0]!
        : `make_pipeline(${steps.join(', ')})`;
  const lines = ['    numeric = X.select_dtypes("number").columns.tolist()'];
  const notCategorical = ['c not in numeric'];
  const extra: string[] = [];
  if (targetEncode.length > 0) {
    lines.push(
      "    # Many-valued categoricals: each value's mean target, fitted on the rows the pipeline is",
      "    # fitted on (a CV fold's training rows), cross-fitted again inside by TargetEncoder.",
      `    target_encoded = [c for c in ${py(targetEncode)} if c in X.columns and c not in numeric]`,
    );
    notCategorical.push('c not in target_encoded');
    extra.push(
      '         ("target", make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"), TargetEncoder(random_state=SEED)), target_encoded)',
    );
  }
  // Free-text columns loaded for any model of the script are never one-hot or ordinal codes.
  if (anyText) notCategorical.push('c not in TEXT');
  if (text.length > 0) {
    const vectorizer =
      encoding === 'onehot'
        ? 'TextVectorizer(seed=SEED)'
        : `TextVectorizer(components=${TEXT_COMPONENTS}, seed=SEED)`;
    lines.push(
      `    # Free text: TF-IDF of words and word pairs${encoding === 'onehot' ? '' : ` as ${TEXT_COMPONENTS} SVD components (trees split on a few dense columns)`},`,
      "    # its vocabulary learned on the rows the pipeline is fitted on (a CV fold's training rows).",
      `    text = [c for c in ${py(text)} if c in X.columns]`,
    );
    extra.push(`         *[(f"text_{i}", ${vectorizer}, [c]) for i, c in enumerate(text)]`);
  }
  lines.push(
    `    categorical = [c for c in X.columns if ${notCategorical.join(' and ')}]`,
    '    preprocess = ColumnTransformer(',
    `        [("num", ${pipe(numSteps)}, numeric), ("cat", ${pipe(catSteps)}, categorical)${extra.length > 0 ? ',' : '],'}`,
    ...extra.map((e, i) => (i === extra.length - 1 ? `${e}],` : `${e},`)),
    '        sparse_threshold=0.3 if SPARSE_OK else 0.0,',
    '    )',
    '    return make_pipeline(preprocess, estimator)',
  );
  return lines;
}

export interface ScriptInput {
  nodeId: string;
  operator: string;
  hypothesis: string;
  task: Task;
  recipe: Recipe;
  /** Recipes of the members, for an ensemble. */
  members?: { id: string; recipe: Recipe }[];
  /** Training rows: OpenMP boosters run single-threaded below 50k rows, where threads only spin. */
  rows: number;
}

function builderFunction(
  name: string,
  family: string,
  task: ModelTask,
  recipe: Recipe,
  anyText: boolean,
): string[] {
  const spec = FAMILIES[family];
  if (spec === undefined) throw new Error(`unknown model family: ${family}`);
  const guards = new Set(recipe.guards);
  const params = { ...spec.defaults(task), ...recipe.params };
  let estimator = spec.estimator(task, params);
  if (guards.has('label_encode') && classifier(task) && family === 'xgboost')
    estimator = `LabelEncoded(${estimator})`;
  return [
    `def ${name}(X):`,
    `    estimator = ${estimator}`,
    ...preprocessBlock(spec.encoding, guards, recipe.targetEncode ?? [], recipe.textColumns ?? [], anyText),
  ];
}

export function writeScript(input: ScriptInput): string {
  const { recipe } = input;
  const task = input.task;
  const isEnsemble = recipe.family === 'ensemble';
  const parts = isEnsemble ? (input.members ?? []) : [{ id: input.nodeId, recipe }];
  if (isEnsemble && parts.length < 2) throw new Error('an ensemble needs at least two members');

  const imports = new Set<string>();
  let needsLabelEncoded = false;
  let sparseOk = true;
  for (const p of parts) {
    const spec = FAMILIES[p.recipe.family];
    if (spec === undefined) throw new Error(`unknown model family: ${p.recipe.family}`);
    spec.imports(task).forEach((i) => imports.add(i));
    if (p.recipe.guards.includes('label_encode') && p.recipe.family === 'xgboost' && classifier(task))
      needsLabelEncoded = true;
    if (!p.recipe.guards.includes('sparse')) sparseOk = false;
  }
  if (isEnsemble)
    imports.add(
      classifier(task)
        ? 'from sklearn.ensemble import VotingClassifier'
        : 'from sklearn.ensemble import VotingRegressor',
    );

  const lines: string[] = [];
  lines.push('"""');
  lines.push(`ouro experiment ${input.nodeId} (${input.operator}): ${familyLabel(recipe.family, task)}`);
  lines.push('');
  lines.push(`Hypothesis: ${input.hypothesis}`);
  lines.push('');
  lines.push('Run it on its own with the ouro harness on PYTHONPATH:');
  lines.push('    OURO_DATA_DIR=path/to/run/workspace python train.py');
  lines.push('"""');
  lines.push('from sklearn.compose import ColumnTransformer');
  lines.push('from sklearn.impute import SimpleImputer');
  lines.push('from sklearn.pipeline import make_pipeline');
  const targetEncoding = parts.some(
    (p) => (p.recipe.targetEncode ?? []).length > 0 && FAMILIES[p.recipe.family]?.encoding !== 'none',
  );
  lines.push(
    `from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler${targetEncoding ? ', TargetEncoder' : ''}`,
  );
  for (const i of [...imports].sort()) lines.push(i);
  const stops = (r: Recipe) => r.earlyStopping === true && findFamily(r.family)?.earlyStopping === true;
  const earlyStopping = parts.some((p) => stops(p.recipe));
  // Free text is loaded only when a model of the script reads it (load_train leaves it out otherwise).
  const textColumns = [
    ...new Set(
      parts
        .filter((p) => FAMILIES[p.recipe.family]?.encoding !== 'none')
        .flatMap((p) => p.recipe.textColumns ?? []),
    ),
  ];
  const anyText = textColumns.length > 0;
  const harnessNames = [
    ...(needsLabelEncoded ? ['LabelEncoded'] : []),
    ...(anyText ? ['TextVectorizer'] : []),
    isEnsemble ? 'blend_select' : 'cross_validate',
    ...(earlyStopping ? ['choose_rounds'] : []),
    'load_train',
    'save_model',
    'task_info',
    'write_metrics',
  ];
  lines.push(`from ouro_harness import ${harnessNames.join(', ')}`);
  lines.push('');
  lines.push('SEED = task_info()["seed"]');
  const threads = Math.max(...parts.map((p) => p.recipe.threads ?? (input.rows >= 50_000 ? 2 : 1)));
  lines.push(
    `THREADS = ${threads}  # ${threads > 1 ? "the sandbox's cores: this table is large enough for threads to pay off" : 'one thread: on a small table more threads only spin'}`,
  );
  lines.push(`SPARSE_OK = ${sparseOk ? 'True' : 'False'}`);
  if (anyText) lines.push(`TEXT = ${py(textColumns)}  # free-text columns, read only through TextVectorizer`);
  lines.push('');
  const loadArgs = [
    ...(recipe.dropColumns.length > 0 ? [`drop=${py(recipe.dropColumns)}`] : []),
    ...(recipe.maxRows !== undefined ? [`max_rows=${recipe.maxRows}`] : []),
    ...(anyText ? ['text=TEXT'] : []),
  ];
  if (recipe.dropColumns.length > 0) lines.push('# Columns left out on purpose (the journal says why).');
  lines.push(`X, y = load_train(${loadArgs.join(', ')})`);
  lines.push('');
  if (isEnsemble) {
    parts.forEach((p, i) => {
      lines.push(
        ...builderFunction(`build_${i}_${p.recipe.family}`, p.recipe.family, task, p.recipe, anyText),
      );
      lines.push('');
    });
    const members = parts
      .map((p, i) =>
        stops(p.recipe)
          ? `("${p.recipe.family}_${i}", choose_rounds(build_${i}_${p.recipe.family}(X), X, y))`
          : `("${p.recipe.family}_${i}", build_${i}_${p.recipe.family}(X))`,
      )
      .join(', ');
    lines.push(`members = [${members}]`);
    lines.push('# Weights by greedy selection on out-of-fold predictions; the score is nested (weights');
    lines.push("# chosen without the fold they are scored on), so it is comparable with a single model's.");
    lines.push(`weights, scores = blend_select([m for _, m in members], X, y, folds=${recipe.folds})`);
    lines.push('chosen = [(name, m, w) for (name, m), w in zip(members, weights) if w > 0]');
    lines.push(
      classifier(task)
        ? 'model = VotingClassifier([(name, m) for name, m, _ in chosen], voting="soft", weights=[w for _, _, w in chosen])'
        : 'model = VotingRegressor([(name, m) for name, m, _ in chosen], weights=[w for _, _, w in chosen])',
    );
  } else {
    lines.push(...builderFunction('build_model', recipe.family, task, recipe, anyText));
    lines.push('');
    lines.push('model = build_model(X)');
    if (stops(recipe)) {
      lines.push(
        '# Trees: as many as a held-out tenth of the rows still gains from (early stopping), not a fixed count.',
      );
      lines.push('model = choose_rounds(model, X, y)');
    }
  }
  lines.push('');
  if (!isEnsemble) lines.push(`scores = cross_validate(model, X, y, folds=${recipe.folds})`);
  lines.push('model.fit(X, y)');
  lines.push('save_model(model, X)');
  lines.push('write_metrics(scores)');
  if (isEnsemble)
    lines.push('print("blend weights:", ", ".join(f"{name} {w:.2f}" for name, _, w in chosen))');
  lines.push(
    "print(f\"cv {scores['metric']} = {scores['mean']:.4f} +/- {scores['std']:.4f} over {scores['folds']} folds\")",
  );
  return lines.join('\n') + '\n';
}
