import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Journal } from '../../core/schemas/journal.ts';
import { expectedMaxOfNormals, preferBlend } from './final-choice.ts';

function journal(
  metric: string,
  nodes: [string, string, number, number, number?][],
  forbid: string[] = [],
): Journal {
  const best = nodes.reduce((a, b) => ((metric === 'roc_auc' ? b[2] > a[2] : b[2] < a[2]) ? b : a));
  return {
    plan: { metric, dropColumns: [] },
    forbid,
    bestNodeId: best[0],
    nodes: nodes.map(([id, family, mean, std, folds]) => ({
      id,
      status: 'succeeded',
      cv: { mean, std, folds: folds ?? 5 },
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
  assert.match(choice!.why, /n9.*n7.*within what luck gives the best of 1 setting/);
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

test('the more settings of a family were tried, the larger the lead its best must have over the blend', () => {
  // Penguins, seed 42 at 30 s on one core (bench:quality): five linear settings; the search's
  // C = 100 led the blend by 0.0085 in CV log loss and scored 0.163 on the holdout (a blend on the
  // same split: 0.065). One standard error of the linear model alone (0.0060) let it win.
  const j = journal('log_loss', [
    ['n2', 'linear', 0.0422, 0.012, 3],
    ['n5', 'linear', 0.1414, 0.0145, 3],
    ['n6', 'linear', 0.0198, 0.0115, 3],
    ['n8', 'linear', 0.075, 0.0131, 3],
    ['n9', 'linear', 0.0131, 0.0104, 3],
    ['n4', 'extra_trees', 0.0486, 0.0082, 3],
    ['n11', 'ensemble', 0.0216, 0.018, 5],
  ]);
  const choice = preferBlend(j);
  assert.equal(choice?.node.id, 'n11');
  assert.match(choice!.why, /best of 5 settings/);
  // The same lead from a family tried once stays the choice when it is clear of the noise.
  const once = journal('log_loss', [
    ['n9', 'linear', 0.0131, 0.002, 3],
    ['n11', 'ensemble', 0.0216, 0.002, 5],
  ]);
  assert.equal(preferBlend(once), null);
});

test('expected best of k noisy scores: none for one, grows slowly with k', () => {
  assert.equal(expectedMaxOfNormals(1), 0);
  assert.equal(expectedMaxOfNormals(5), 1.163);
  assert.ok(
    expectedMaxOfNormals(12) > expectedMaxOfNormals(10) &&
      expectedMaxOfNormals(12) < expectedMaxOfNormals(15),
  );
  assert.equal(expectedMaxOfNormals(1000), 2.508);
});
