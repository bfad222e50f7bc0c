import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JournalNode, Recipe } from '../../core/schemas/journal.ts';
import type { Decision } from '../brains/brain.ts';
import { estimateMs } from './estimate-experiment.ts';

const recipe = (family: string, members: string[] = []): Recipe => ({
  family,
  params: {},
  guards: [],
  dropColumns: [],
  folds: 5,
  members,
});

function node(
  id: string,
  operator: JournalNode['operator'],
  durationMs: number,
  status: JournalNode['status'] = 'succeeded',
  family = 'lightgbm',
): JournalNode {
  return {
    id,
    parent: null,
    operator,
    hypothesis: 'h',
    recipe: recipe(family),
    dir: `experiments/${id}`,
    status,
    cv: status === 'succeeded' ? { mean: 0.8, std: 0.01, folds: 5 } : null,
    diagnosis: null,
    finding: '',
    durationMs,
    startedAt: new Date().toISOString(),
  };
}

const decide = (
  operator: Extract<Decision, { kind: 'experiment' }>['operator'],
  parent: string | null,
  members: string[] = [],
): Extract<Decision, { kind: 'experiment' }> => ({
  kind: 'experiment',
  operator,
  parent,
  hypothesis: 'h',
  recipe: recipe(operator === 'ensemble' ? 'ensemble' : 'lightgbm', members),
});

const nodes = [
  node('n1', 'draft', 2_000),
  node('n2', 'draft', 4_000),
  node('n3', 'draft', 55_000),
  node('n4', 'draft', 9_000, 'failed'),
  node('n5', 'draft', 6_000),
];

test('a blend costs its members together', () => {
  assert.equal(estimateMs(decide('ensemble', 'n2', ['n2', 'n3', 'n5']), nodes), 65_000);
});

test('a tune or a fix costs what its parent took', () => {
  assert.equal(estimateMs(decide('tune', 'n3'), nodes), 55_000);
  assert.equal(estimateMs(decide('fix', 'n2'), nodes), 4_000);
});

test('a draft costs the median succeeded draft, so one slow family does not end the run', () => {
  assert.equal(estimateMs(decide('draft', null), nodes), 6_000);
  assert.equal(estimateMs(decide('draft', null), []), 0);
});

test('a linear draft after a slow booster costs a fraction of it: the sandbox start and imports, not the trees', () => {
  const booster = [node('n1', 'draft', 10_000)];
  const linear: Extract<Decision, { kind: 'experiment' }> = {
    kind: 'experiment',
    operator: 'draft',
    parent: null,
    hypothesis: 'h',
    recipe: recipe('linear'),
  };
  assert.equal(estimateMs(linear, booster), 6_000);
  // And the other way round: a forest after a 2 s linear draft is expected to take longer.
  const forest: Extract<Decision, { kind: 'experiment' }> = { ...linear, recipe: recipe('random_forest') };
  assert.equal(estimateMs(forest, [node('n1', 'draft', 3_000, 'succeeded', 'linear')]), 5_000);
});

test('a fix of a model killed at its time limit costs at least the time it ran', () => {
  assert.equal(estimateMs(decide('fix', 'n4'), nodes), 9_000);
});

test("a blend pays the fixed cost (sandbox, imports: the baseline draft's time) once, not once per member", () => {
  const journal = [
    node('n1', 'draft', 9_200),
    node('n2', 'draft', 9_000, 'succeeded', 'linear'),
    node('n3', 'draft', 7_600, 'succeeded', 'baseline'),
    node('n4', 'draft', 14_200, 'succeeded', 'random_forest'),
    node('n5', 'draft', 12_300, 'succeeded', 'extra_trees'),
  ];
  assert.equal(
    estimateMs(decide('ensemble', 'n2', ['n2', 'n5', 'n1', 'n4']), journal),
    7_600 + 1_400 + 4_700 + 1_600 + 6_600,
  );
});
