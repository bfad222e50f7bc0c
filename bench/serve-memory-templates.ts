import type { FixtureFamily } from '../deploy/test-fixtures.ts';

/**
 * The models bench:serve-memory (bench/serve-memory.ts) trains once and publishes again under
 * many names: one per family the heuristic brain fits, on the example it is benchmarked on.
 */
export const TEMPLATES: {
  name: string;
  family: FixtureFamily;
  csv: string;
  target: string;
  task: 'binary' | 'multiclass' | 'regression';
  metric: 'roc_auc' | 'log_loss' | 'rmse';
}[] = [
  {
    name: 't-forest',
    family: 'forest',
    csv: 'pima_diabetes.csv',
    target: 'diabetes',
    task: 'binary',
    metric: 'roc_auc',
  },
  {
    name: 't-lightgbm',
    family: 'lightgbm',
    csv: 'pima_diabetes.csv',
    target: 'diabetes',
    task: 'binary',
    metric: 'roc_auc',
  },
  {
    name: 't-linear',
    family: 'linear',
    csv: 'penguins.csv',
    target: 'species',
    task: 'multiclass',
    metric: 'log_loss',
  },
  {
    name: 't-blend',
    family: 'blend',
    csv: 'penguins.csv',
    target: 'species',
    task: 'multiclass',
    metric: 'log_loss',
  },
  {
    name: 't-prior',
    family: 'prior',
    csv: 'pima_diabetes.csv',
    target: 'diabetes',
    task: 'binary',
    metric: 'roc_auc',
  },
  {
    name: 't-histgb',
    family: 'histgb',
    csv: 'concrete.csv',
    target: 'compressive_strength',
    task: 'regression',
    metric: 'rmse',
  },
];
