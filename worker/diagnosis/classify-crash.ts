import type { CrashClass, Diagnosis } from '../../core/schemas/diagnosis.ts';

export interface CrashEvidence {
  exitCode: number | null;
  timedOut: boolean;
  oomKilled: boolean;
  stderr: string;
  /** What the experiment contract required but the folder lacks (model/, metrics.json). */
  missingOutputs: string[];
  /** Outputs the host refused to read (a link, a FIFO, too large): the trust boundary's reasons. */
  refusedOutputs?: string[];
}

interface Rule {
  class: CrashClass;
  pattern: RegExp;
  fix: string;
  /** Pulls a column name out of the matched text when the message carries one. */
  column?: (m: RegExpMatchArray) => string | undefined;
}

// Ordered: the first rule that matches the traceback wins, so the specific messages come
// before the generic ones they contain (an unknown category is also a ValueError).
const RULES: Rule[] = [
  {
    class: 'memory',
    pattern: /\bMemoryError\b|Unable to allocate [\d.]+ ?[KMGT]i?B|std::bad_alloc|Cannot allocate memory/,
    fix: 'use fewer rows or a lighter model (sparse encodings, fewer trees)',
  },
  {
    class: 'import',
    pattern: /(?:ModuleNotFoundError|ImportError): No module named '([^']+)'/,
    fix: 'use a library that is installed in the sandbox image (no pip at run time)',
    column: () => undefined,
  },
  {
    class: 'unseen_category',
    pattern: /Found unknown categories \[([^\]]*)\] in column (\d+)/,
    fix: 'encode categoricals with handle_unknown="ignore" so new values at predict time are tolerated',
  },
  {
    class: 'missing',
    pattern:
      /Input (?:X |y )?contains NaN|contains NaN|Input contains infinity|NaN, infinity or a value too large/,
    fix: 'impute missing values before the estimator (median for numbers, a "missing" level for categories)',
  },
  {
    class: 'label',
    pattern:
      /Invalid classes inferred from unique values of `y`|Unknown label type|The least populated class in y has only 1 member|y contains previously unseen labels|needs samples of at least 2 classes|Only one class present in y_true|n_splits=\d+ cannot be greater than the number of members in each class|y_true and y_pred contain different number of classes/,
    fix: 'encode labels to integers and keep every class in every fold (fewer folds when a class is tiny)',
  },
  {
    class: 'dtype',
    pattern:
      /could not convert string to float: ?'?([^'\n]*)'?|Unable to parse string "([^"]*)"|invalid literal for int\(\) with base 10|DTypePromotionError|Cannot cast .* to float|pandas dtypes must be int, float or bool/,
    fix: 'encode text columns (one-hot or ordinal) and coerce numbers stored as text before fitting',
  },
  {
    class: 'schema',
    pattern:
      /KeyError: "?\[?'([^']+)'|no column '([^']+)'|not found in axis|columns are missing: \{?'?([^'}]*)|X has \d+ features, but \w+ is expecting \d+ features|Feature names (?:unseen|should match)|shapes \(.*\) and \(.*\) not aligned|X does not have valid feature names|Found array with 0 feature\(s\)/,
    fix: "align the columns with the training data (only drop columns that exist, keep the signature's order)",
    column: (m) => m[1] ?? m[2] ?? m[3],
  },
];

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

/** The most telling line of a traceback: its last non-empty line, or the line that matched. */
function evidenceLine(stderr: string, match: RegExpMatchArray | null): string {
  if (match?.input !== undefined && match.index !== undefined) {
    const start = match.input.lastIndexOf('\n', match.index) + 1;
    const end = match.input.indexOf('\n', match.index);
    return match.input
      .slice(start, end === -1 ? undefined : end)
      .trim()
      .slice(0, 300);
  }
  return lastLines(stderr, 1).trim().slice(0, 300);
}

/**
 * Classifies a failed experiment into the crash taxonomy of docs/architecture.md ("Crash taxonomy") from its exit
 * status, its stderr and what it left behind. Pure: the same evidence, the same diagnosis.
 */
export function classifyCrash(e: CrashEvidence): Diagnosis {
  if (e.timedOut) {
    return {
      class: 'timeout',
      evidence: 'the experiment hit its wall-clock limit and was killed',
      fix: 'fewer folds and trees, and a row sample, so it ends in time',
    };
  }
  const tail = e.stderr.slice(-20_000);
  for (const rule of RULES) {
    const m = tail.match(rule.pattern);
    if (m !== null) {
      const column = rule.column?.(m);
      const diagnosis: Diagnosis = { class: rule.class, evidence: evidenceLine(tail, m), fix: rule.fix };
      if (column !== undefined && column.length > 0) diagnosis.column = column;
      if (rule.class === 'import')
        diagnosis.evidence = `${m[0]} — the sandbox has no ${m[1] ?? 'such module'}`;
      return diagnosis;
    }
  }
  if (e.oomKilled || e.exitCode === 137) {
    return {
      class: 'memory',
      evidence: `killed by the memory limit (exit ${e.exitCode ?? 'signal'})`,
      fix: 'use fewer rows or a lighter model (sparse encodings, fewer trees)',
    };
  }
  if (e.exitCode === 0 && (e.refusedOutputs?.length ?? 0) > 0) {
    return {
      class: 'contract',
      evidence: e.refusedOutputs!.join('; ').slice(0, 300),
      fix: 'write the outputs as regular files with save_model() and write_metrics() from ouro_harness; never links, pipes or copies of other files',
    };
  }
  if (e.exitCode === 0 && e.missingOutputs.length > 0) {
    return {
      class: 'contract',
      evidence: `the script exited cleanly but left no ${e.missingOutputs.join(' and no ')}`,
      fix: 'save the model with save_model() and the scores with write_metrics() from ouro_harness',
    };
  }
  return {
    class: 'unknown',
    evidence: evidenceLine(tail, null) || `exit code ${e.exitCode ?? 'none'}`,
    fix: 'rewrite the experiment from the playbook with every guard on',
  };
}

export interface ScoreCheck {
  metric: string;
  higherIsBetter: boolean;
  score: number;
  baseline: number | null;
  /** Leakage suspects from the target analysis that the experiment still used. */
  leakyColumnsUsed: string[];
  family: string;
}

/**
 * Diagnoses a run that finished but must not be trusted: a score too good to be true
 * (leakage) or no better than the baseline (degenerate). Null when the score is plausible.
 */
export function checkScore(c: ScoreCheck): Diagnosis | null {
  const perfect = c.higherIsBetter
    ? c.score >= 0.999 && ['roc_auc', 'accuracy', 'f1_macro', 'r2'].includes(c.metric)
    : c.score <= 1e-6;
  if (perfect) {
    const cols = c.leakyColumnsUsed;
    return {
      class: 'leakage',
      evidence: `cross-validated ${c.metric} = ${c.score.toFixed(4)} is too good to be true${cols.length > 0 ? `; ${cols.map((x) => `"${x}"`).join(', ')} nearly determine the target` : ''}`,
      fix:
        cols.length > 0
          ? `drop ${cols.map((x) => `"${x}"`).join(', ')} and re-run`
          : 'drop the column that dominates the model and re-run',
      ...(cols[0] !== undefined ? { column: cols[0] } : {}),
    };
  }
  if (c.family !== 'baseline' && c.baseline !== null) {
    const notBetter = c.higherIsBetter ? c.score <= c.baseline + 1e-9 : c.score >= c.baseline - 1e-9;
    if (notBetter) {
      return {
        class: 'degenerate',
        evidence: `${c.family} scored ${c.metric} ${c.score.toFixed(4)}, no better than the baseline's ${c.baseline.toFixed(4)}`,
        fix: 'try a different family with more capacity',
      };
    }
  }
  return null;
}
