import type { ScriptSpec } from '../../../core/catalog/families.ts';
import { py } from '../../../core/catalog/python-literal.ts';
import { TEXT_COMPONENTS } from './feature-steps.ts';

/**
 * The body of a script's model builder after its estimator: the preprocessing its encoding and
 * guards call for (imputing, one-hot or ordinal codes, scaling, target and text encoding), as
 * lines of Python.
 */
export function preprocessBlock(
  encoding: ScriptSpec['encoding'],
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
