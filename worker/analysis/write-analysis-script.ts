/**
 * Renders one analysis of the heuristic analyst into a whole, readable `analysis.py`: a
 * docstring with the question and why this analysis, then a few calls of the analysis helpers
 * (sandbox/python/ouro_harness/analysis). Each script stands alone: run it again in its folder
 * and it reads the same table, draws the same seeded samples and writes the same numbers.
 */

export type AnalysisStepKind =
  'overview' | 'associations' | 'drivers' | 'compare' | 'trend' | 'distributions' | 'quality' | 'custom';

export interface AnalysisStep {
  /** a1, a2, ... (also the prefix of its claims' ids). */
  id: string;
  kind: AnalysisStepKind;
  title: string;
  why: string;
  target?: string | null;
  group?: string | null;
  date?: string | null;
  /** Rows read at most (a seeded sample above it). */
  maxRows: number;
  /** Columns left out (a diagnosis may add to them). */
  exclude: string[];
  /** A script written by the LLM analyst; the heuristic one renders from the fields above. */
  script?: string;
}

/** A Python string literal. */
export function py(value: string | null | undefined): string {
  return value === null || value === undefined ? 'None' : JSON.stringify(value);
}

function body(step: AnalysisStep): string[] {
  const t = py(step.target);
  switch (step.kind) {
    case 'overview':
      return [`overview(data, f, target=${t})`, 'data_quality(data, f)'];
    case 'quality':
      return ['overview(data, f)', 'data_quality(data, f)'];
    case 'associations':
      return [`associations(data, ${t}, f)`];
    case 'drivers':
      return [
        `ranking = model_importance(data, ${t}, f)`,
        '# The strongest two-way segments among the top four drivers.',
        `segments(data, ${t}, ranking.column.head(4).tolist(), f)`,
      ];
    case 'compare':
      return [`compare_groups(data, ${t}, ${py(step.group)}, f)`];
    case 'trend':
      return [`trend(data, ${t}, ${py(step.date)}, f, group=${py(step.group)})`];
    case 'distributions':
      return ['distributions(data, f)'];
    case 'custom':
      return [];
  }
}

export function writeAnalysisScript(step: AnalysisStep, question: string, seed: number): string {
  if (step.script !== undefined) return step.script;
  const imports = new Set(['load_data', 'Findings']);
  const lines = body(step);
  for (const name of [
    'overview',
    'data_quality',
    'associations',
    'model_importance',
    'segments',
    'compare_groups',
    'trend',
    'distributions',
  ]) {
    if (lines.some((l) => l.includes(`${name}(`))) imports.add(name);
  }
  const drop =
    step.exclude.length > 0
      ? [`data.drop(${JSON.stringify(step.exclude)})  # left out after a diagnosis`]
      : [];
  return [
    '"""',
    `Analysis ${step.id}: ${step.title}`,
    '',
    `Question: ${question.replace(/"""/g, "'''").replace(/\\/g, '\\\\')}`,
    `Why: ${step.why.replace(/"""/g, "'''").replace(/\\/g, '\\\\')}`,
    '',
    'Writes findings.json (every claim with its numbers, n, effect size, interval and method) and',
    'charts/ (each PNG beside the CSV table it was drawn from). Re-run it in this folder to',
    'reproduce them: the table sample and every resample are seeded.',
    '"""',
    `from ouro_harness.analysis import ${[...imports].join(', ')}`,
    '',
    `SEED = ${seed}`,
    `data = load_data(max_rows=${step.maxRows}, seed=SEED)`,
    ...drop,
    `f = Findings(${py(step.id)}, ${py(step.title)})`,
    'f.data(data)',
    ...lines,
    'f.write()',
    '',
  ].join('\n');
}
