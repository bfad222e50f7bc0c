import type { Recipe } from '../../../core/schemas/journal.ts';
import type { ScriptSpec } from '../../../core/catalog/families.ts';
import { findFamily, familyLabel, familyUse } from '../../../core/catalog/family-lookup.ts';
import { classifier, py } from '../../../core/catalog/python-literal.ts';
import type { Task } from '../../../core/schemas/task.ts';
import { preprocessBlock } from './preprocess-block.ts';

/**
 * Turns a recipe into a whole, readable `train.py`. The script imports only the pinned
 * sandbox libraries and the ouro harness, so a user can take the winning one away and run it.
 * How each family's estimator is built comes from its catalog entry (core/catalog/families/).
 */

export const FULL_GUARDS = ['impute', 'encode', 'handle_unknown', 'scale', 'sparse', 'label_encode'] as const;

/** How the script builds `family`'s estimator, from its catalog entry; undefined for a blend or an unknown family. */
export function scriptSpec(family: string): ScriptSpec | undefined {
  return familyUse(family, 'tabular')?.script;
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
  task: Task,
  recipe: Recipe,
  anyText: boolean,
): string[] {
  const spec = scriptSpec(family);
  if (spec === undefined) throw new Error(`unknown model family: ${family}`);
  const guards = new Set(recipe.guards);
  const params = { ...spec.defaults(task), ...recipe.params };
  let estimator = spec.estimator(task, params);
  if (guards.has('label_encode') && classifier(task) && spec.labelEncoded === true)
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
    const spec = scriptSpec(p.recipe.family);
    if (spec === undefined) throw new Error(`unknown model family: ${p.recipe.family}`);
    spec.imports(task).forEach((i) => imports.add(i));
    if (p.recipe.guards.includes('label_encode') && spec.labelEncoded === true && classifier(task))
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
    (p) => (p.recipe.targetEncode ?? []).length > 0 && scriptSpec(p.recipe.family)?.encoding !== 'none',
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
        .filter((p) => scriptSpec(p.recipe.family)?.encoding !== 'none')
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
