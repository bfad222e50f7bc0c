import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Journal } from '../../core/schemas/journal.ts';
import { preferBlend } from './final-choice.ts';

function journal(metric: string, nodes: [string, string, number, number][], forbid: string[] = []): Journal {
  const best = nodes.reduce((a, b) => ((metric === 'roc_auc' ? b[2] > a[2] : b[2] < a[2]) ? b : a));
  return {
    plan: { metric, dropColumns: [] },
    forbid,
    bestNodeId: best[0],
    nodes: nodes.map(([id, family, mean, std]) => ({
      id,
      status: 'succeeded',
      cv: { mean, std, folds: 5 },
      recipe: { family, dropColumns: [] },
    })),
  } as unknown as Journal;
}

test('a single model whose CV lead is within one standard error gives way to the blend', () => {
  // Penguins, seed 42 at 120 s: the search's linear model with C = 100 led the blend by 0.0028
  // in CV log loss, with a fold std of 0.012 (SE 0.0054), and was the worst on the holdout.
  const j = journal('log_loss', [
    ['n1', 'lightgbm', 0.041, 0.02],
    ['n7', 'linear', 0.0175, 0.012],
    ['n9', 'ensemble', 0.0203, 0.01],
  ]);
  const choice = preferBlend(j);
  assert.equal(choice?.node.id, 'n9');
  assert.match(choice!.why, /n9.*n7.*within one standard error/);
});

test('a single model that leads by more than a standard error stays the choice', () => {
  assert.equal(
    preferBlend(
      journal('roc_auc', [
        ['n2', 'lightgbm', 0.9, 0.01],
        ['n5', 'ensemble', 0.88, 0.01],
      ]),
    ),
    null,
  );
  // Higher is better: a blend within the SE below the best single model is chosen.
  assert.equal(
    preferBlend(
      journal('roc_auc', [
        ['n2', 'lightgbm', 0.9, 0.02],
        ['n5', 'ensemble', 0.895, 0.01],
      ]),
    )?.node.id,
    'n5',
  );
});

test('no blend, a forbidden blend, or a blend already best: nothing changes', () => {
  assert.equal(preferBlend(journal('rmse', [['n1', 'lightgbm', 4, 0.5]])), null);
  assert.equal(
    preferBlend(
      journal(
        'rmse',
        [
          ['n1', 'lightgbm', 4, 0.5],
          ['n3', 'ensemble', 4.1, 0.5],
        ],
        ['ensemble'],
      ),
    ),
    null,
  );
  assert.equal(
    preferBlend(
      journal('rmse', [
        ['n1', 'lightgbm', 4, 0.5],
        ['n3', 'ensemble', 3.9, 0.5],
      ]),
    ),
    null,
  );
});
