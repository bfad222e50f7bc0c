import { join } from 'node:path';

/** Where everything of one run lives (see docs/contracts-harness.md for who writes what). */
export interface RunPaths {
  root: string;
  input: string;
  prep: string;
  profile: string;
  table: string;
  workspace: string;
  holdout: string;
  holdoutFeatures: string;
  vault: string;
  labels: string;
  analysis: string;
  experiments: string;
  validation: string;
  journal: string;
  events: string;
}

export function runPaths(home: string, runId: string): RunPaths {
  const root = join(home, 'runs', runId);
  return {
    root,
    input: join(root, 'input'),
    prep: join(root, 'prep'),
    profile: join(root, 'prep', 'profile.json'),
    table: join(root, 'prep', 'table.parquet'),
    workspace: join(root, 'workspace'),
    holdout: join(root, 'holdout'),
    holdoutFeatures: join(root, 'holdout', 'features.parquet'),
    vault: join(root, 'vault'),
    labels: join(root, 'vault', 'labels.json'),
    analysis: join(root, 'vault', 'analysis.json'),
    experiments: join(root, 'experiments'),
    validation: join(root, 'validation'),
    journal: join(root, 'journal.json'),
    events: join(root, 'events.jsonl'),
  };
}
