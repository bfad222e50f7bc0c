import type { Recipe } from '../../../core/schemas/journal.ts';
import type { ScriptReply } from './schemas.ts';

/** A parameter value the LLM wrote as text (Python or JSON spelling), as a value. */
function parseValue(v: string): unknown {
  const t = v.trim();
  if (/^-?\d+(\.\d+)?(e-?\d+)?$/i.test(t)) return Number(t);
  if (t === 'True' || t === 'true') return true;
  if (t === 'False' || t === 'false') return false;
  if (t === 'None' || t === 'null') return null;
  return t.replace(/^["']|["']$/g, '');
}

/** The journal's description of a script the LLM wrote, read from the script itself. */
export function recipeOf(
  script: string,
  family: string,
  params: ScriptReply['params'],
  members: string[],
): Recipe {
  const load = script.match(/load_train\(([^)]*)\)/)?.[1] ?? '';
  const dropList = load.match(/drop\s*=\s*[[(]([^\])]*)[\])]/)?.[1] ?? '';
  const dropColumns = [...dropList.matchAll(/(["'])((?:(?!\1).)*)\1/g)].map((m) => m[2]!);
  const maxRows = Number(load.match(/max_rows\s*=\s*(\d+)/)?.[1] ?? NaN);
  const folds = Number(script.match(/cross_validate\([^)]*folds\s*=\s*(\d+)/)?.[1] ?? 5);
  const guards = [
    [/SimpleImputer|IterativeImputer|KNNImputer|fillna/, 'impute'],
    [/OneHotEncoder|OrdinalEncoder|TargetEncoder/, 'encode'],
    [/handle_unknown/, 'handle_unknown'],
    [/StandardScaler|RobustScaler|MinMaxScaler/, 'scale'],
    [/sparse_output\s*=\s*True|sparse_threshold/, 'sparse'],
    [/LabelEncoded|LabelEncoder/, 'label_encode'],
  ] as const;
  return {
    family,
    params: Object.fromEntries(
      params
        .filter((p) => /^[A-Za-z_]\w{0,40}$/.test(p.name))
        .slice(0, 20)
        .map((p) => [p.name, parseValue(p.value)]),
    ),
    guards: guards.filter(([re]) => re.test(script)).map(([, g]) => g),
    dropColumns,
    ...(Number.isInteger(maxRows) && maxRows > 0 ? { maxRows } : {}),
    folds: Math.min(10, Math.max(2, Number.isInteger(folds) ? folds : 5)),
    members,
  };
}
