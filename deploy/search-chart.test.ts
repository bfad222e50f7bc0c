/** The search chart: every scored experiment a dot, the best so far a line, the served one ringed; no journal, no chart. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readSearch, searchSection } from './search-chart.ts';
import { tempHome } from './test-fixtures.ts';

test('every experiment is drawn, failures counted, the winner ringed; lower-is-better metrics step down', () => {
  const html = searchSection({
    metric: 'rmse',
    higherIsBetter: false,
    points: [
      { index: 1, family: 'lightgbm', score: 5.1, winner: false },
      { index: 2, family: 'linear', score: 6.0, winner: false },
      { index: 3, family: 'forest', score: null, winner: false },
      { index: 4, family: 'blend', score: 4.6, winner: true },
      { index: 5, family: 'lightgbm', score: 4.9, winner: false },
    ],
  });
  assert.match(html, /How the search went/);
  assert.equal((html.match(/<circle cx=/g) ?? []).length, 4, 'one dot per scored experiment');
  assert.equal((html.match(/class="winner"/g) ?? []).length, 1);
  assert.match(html, /5 experiments \(1 failed or without a score\)/);
  assert.match(html, /experiment 4, blend/);
  assert.match(html, /lower is better/);
  // The best-so-far line: 5.1, 5.1, 4.6, 4.6 — four points, never going up.
  const d = /<path d="([^"]+)"/.exec(html)![1]!;
  const ys = d
    .split(/[ML]/)
    .filter(Boolean)
    .map((p) => Number(p.trim().split(' ')[1]));
  assert.equal(ys.length, 4);
  for (let i = 1; i < ys.length; i++)
    assert.ok(ys[i]! >= ys[i - 1]!, 'lower rmse is drawn lower on the page (larger y), and never worsens');
});

test('no chart from fewer than two scores, or without the run folder', async () => {
  assert.equal(searchSection(null), '');
  assert.equal(
    searchSection({
      metric: 'roc_auc',
      higherIsBetter: true,
      points: [{ index: 1, family: 'prior', score: 0.5, winner: true }],
    }),
    '',
  );
  assert.equal(await readSearch(await tempHome(), 'r-missing', 'roc_auc'), null);
});
