import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkScore, classifyCrash, type CrashEvidence } from './classify-crash.ts';

const crash = (stderr: string, over: Partial<CrashEvidence> = {}): CrashEvidence => ({
  exitCode: 1,
  timedOut: false,
  oomKilled: false,
  stderr,
  missingOutputs: ['model/', 'metrics.json'],
  ...over,
});
const tb = (last: string) =>
  `Traceback (most recent call last):\n  File "train.py", line 12, in <module>\n    model.fit(X, y)\n${last}\n`;

test('classifies each crash class of the taxonomy from real scikit-learn / Python messages', () => {
  const cases: [string, string][] = [
    ["ValueError: could not convert string to float: 'Gentoo'", 'dtype'],
    [
      'ValueError: Input X contains NaN.\nLogisticRegression does not accept missing values encoded as NaN natively.',
      'missing',
    ],
    ["ValueError: Found unknown categories ['Torgersen'] in column 0 during transform", 'unseen_category'],
    [
      "ValueError: Invalid classes inferred from unique values of `y`.  Expected: [0 1 2], got ['Adelie' 'Chinstrap' 'Gentoo']",
      'label',
    ],
    ['KeyError: "[\'Not_A_Column\'] not found in axis"', 'schema'],
    ["ModuleNotFoundError: No module named 'catboost'", 'import'],
    [
      'numpy._core._exceptions._ArrayMemoryError: Unable to allocate 3.2 GiB for an array with shape (20000, 20000) and data type float64',
      'memory',
    ],
  ];
  for (const [line, cls] of cases) assert.equal(classifyCrash(crash(tb(line))).class, cls, line);
});

test('memory from a kill, timeout from the wall clock, contract from missing outputs', () => {
  assert.equal(classifyCrash(crash('', { exitCode: 137, oomKilled: true })).class, 'memory');
  assert.equal(classifyCrash(crash('', { exitCode: null, timedOut: true })).class, 'timeout');
  const contract = classifyCrash(crash('', { exitCode: 0, missingOutputs: ['model/'] }));
  assert.equal(contract.class, 'contract');
  assert.match(contract.evidence, /model\//);
});

test('names the module and the column when the message carries them', () => {
  assert.match(
    classifyCrash(crash(tb("ModuleNotFoundError: No module named 'catboost'"))).evidence,
    /catboost/,
  );
  assert.equal(
    classifyCrash(crash(tb('KeyError: "[\'Not_A_Column\'] not found in axis"'))).column,
    'Not_A_Column',
  );
  const drop = classifyCrash(
    crash(tb(`KeyError: "load_train(drop=...): no column 'Not_A_Column'; features are ['a', 'b']"`)),
  );
  assert.equal(drop.class, 'schema');
  assert.equal(drop.column, 'Not_A_Column');
});

test('an unrecognised failure is "unknown" with the last line as evidence', () => {
  const d = classifyCrash(crash(tb('RuntimeError: something odd')));
  assert.equal(d.class, 'unknown');
  assert.match(d.evidence, /something odd/);
});

test('checkScore flags too-good scores as leakage and no-better-than-baseline as degenerate', () => {
  const leak = checkScore({
    metric: 'roc_auc',
    higherIsBetter: true,
    score: 1,
    baseline: 0.5,
    leakyColumnsUsed: ['copy'],
    family: 'lightgbm',
  });
  assert.equal(leak?.class, 'leakage');
  assert.equal(leak?.column, 'copy');
  assert.equal(
    checkScore({
      metric: 'roc_auc',
      higherIsBetter: true,
      score: 0.5,
      baseline: 0.5,
      leakyColumnsUsed: [],
      family: 'linear',
    })?.class,
    'degenerate',
  );
  assert.equal(
    checkScore({
      metric: 'rmse',
      higherIsBetter: false,
      score: 12,
      baseline: 10,
      leakyColumnsUsed: [],
      family: 'linear',
    })?.class,
    'degenerate',
  );
  assert.equal(
    checkScore({
      metric: 'roc_auc',
      higherIsBetter: true,
      score: 0.5,
      baseline: 0.5,
      leakyColumnsUsed: [],
      family: 'baseline',
    }),
    null,
  );
  assert.equal(
    checkScore({
      metric: 'roc_auc',
      higherIsBetter: true,
      score: 0.83,
      baseline: 0.5,
      leakyColumnsUsed: [],
      family: 'linear',
    }),
    null,
  );
});
