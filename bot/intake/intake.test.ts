import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseUpload, wrongTypeAdvice, type Attachment } from './choose-upload.ts';
import { parseRunText } from './parse-run-text.ts';

test('run options come out of the text; the rest is the goal', () => {
  assert.deepEqual(parseRunText('predict Attrition, max 3 experiments, budget 4m'), {
    goal: 'predict Attrition',
    options: { maxExperiments: 3, budgetSeconds: 240 },
    problems: [],
  });
  assert.deepEqual(parseRunText('forecast weekly sales in 10 minutes metric mae'), {
    goal: 'forecast weekly sales',
    options: { budgetSeconds: 600, metric: 'mae' },
    problems: [],
  });
  assert.deepEqual(
    parseRunText('predict churn --budget 90s --max-experiments 5 --target "churned" --name churn-v2'),
    {
      goal: 'predict churn',
      options: { budgetSeconds: 90, maxExperiments: 5, target: 'churned', name: 'churn-v2' },
      problems: [],
    },
  );
  // Words that only look like options stay in the goal.
  assert.equal(parseRunText('predict the target price in euros').goal, 'predict the target price in euros');
  const bad = parseRunText('predict churn budget soon metric awesome');
  assert.equal(bad.problems.length, 1);
  assert.match(bad.problems[0]!, /"awesome" is not a metric/);
  assert.match(parseRunText('predict churn max 9999 experiments').problems[0]!, /1 to 500/);
});

test('the sheet of a workbook, named in the goal', () => {
  assert.deepEqual(parseRunText('predict churn, use the sheet Sales'), {
    goal: 'predict churn',
    options: { sheet: 'Sales' },
    problems: [],
  });
  assert.deepEqual(parseRunText('predict churn from the "Q1 sales" sheet'), {
    goal: 'predict churn',
    options: { sheet: 'Q1 sales' },
    problems: [],
  });
  assert.deepEqual(parseRunText('predict churn --sheet Customers --budget 2m'), {
    goal: 'predict churn',
    options: { sheet: 'Customers', budgetSeconds: 120 },
    problems: [],
  });
  assert.deepEqual(parseRunText("predict churn sheet: 'Data 2'"), {
    goal: 'predict churn',
    options: { sheet: 'Data 2' },
    problems: [],
  });
  // Without a lead-in the word stays in the goal.
  assert.deepEqual(parseRunText('predict the price of sheet metal from the spreadsheet'), {
    goal: 'predict the price of sheet metal from the spreadsheet',
    options: {},
    problems: [],
  });
});

const file = (name: string, size = 100, extra: Partial<Attachment> = {}): Attachment => ({
  id: name,
  name,
  size,
  ...extra,
});

test('the data file: the only CSV/TSV, the one the text names, or a question', () => {
  assert.deepEqual(chooseUpload([], 'x', 1000), { kind: 'none' });
  assert.equal(chooseUpload([file('shot.png'), file('data.csv')], 'predict y', 1000).kind, 'ok');
  assert.equal(chooseUpload([file('export', 10, { filetype: 'tsv' })], 'predict y', 1000).kind, 'ok');
  assert.equal(chooseUpload([file('a.csv'), file('b.csv')], 'predict y', 1000).kind, 'ambiguous');
  const named = chooseUpload([file('jan.csv'), file('feb.csv')], 'predict y from feb', 1000);
  assert.ok(named.kind === 'ok' && named.file.name === 'feb.csv');
  assert.equal(chooseUpload([file('big.csv', 2000)], 'predict y', 1000).kind, 'too_large');
  // Workbooks, Parquet, JSON and compressed tables are taken (the sandbox reads them by their bytes).
  for (const name of ['book.xlsx', 't.parquet', 'r.json', 'r.jsonl', 'd.csv.gz', 'd.zip'])
    assert.equal(chooseUpload([file(name)], 'predict y', 1000).kind, 'ok', name);
  assert.equal(chooseUpload([file('old.xls')], 'predict y', 1000).kind, 'wrong_type');
  assert.match(wrongTypeAdvice(file('old.xls')), /save the sheet as \.xlsx or CSV/);
  assert.match(wrongTypeAdvice(file('t.feather')), /export the table as CSV or Parquet/);
});
