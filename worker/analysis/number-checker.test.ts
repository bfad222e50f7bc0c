import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ledger, type FindingsFile } from './findings-ledger.ts';
import { checkNumbers, numbersIn, splitSentences } from './number-checker.ts';

function ledger(): Ledger {
  const l = new Ledger();
  const findings: FindingsFile = {
    analysis: 'a2',
    title: 'churn by contract',
    claims: [
      {
        id: 'a2.c1',
        kind: 'group',
        text: 'contract = monthly: churn = yes rate 42.7% (95% CI 39.1% to 46.4%, n = 702).',
        subject: 'contract=monthly',
        values: { value: 0.42735, lo: 0.3912, hi: 0.4638, n: 702 },
        n: 702,
        method: 'Wilson',
      },
      {
        id: 'a2.c2',
        kind: 'driver',
        text: 'tenure ranks 1 of 8: shuffling it lowers ROC AUC by 0.136 (95% CI 0.116 to 0.157).',
        subject: 'tenure',
        values: { importance: 0.13612, lo: 0.1158, hi: 0.1571, rank: 1 },
        n: 231,
        method: 'permutation',
      },
      {
        id: 'a2.c3',
        kind: 'comparison',
        text: 'p = 4.2e-10',
        subject: 'contract',
        values: { p: 4.2e-10, revenue: 1234.4 },
        method: 'chi2',
      },
    ],
    charts: [],
    caveats: [],
  };
  l.add({ id: 'a2', title: 't', why: 'w', script: 'analyses/a2/analysis.py', findings });
  return l;
}

test('numbers are read as written, with the rounding they show', () => {
  const ns = numbersIn('Churn is 42.7% (n = 1,234), p = 4.2e-10, down -3 points; q3_sales rose.', [
    'q3_sales',
  ]);
  assert.deepEqual(
    ns.map((n) => n.raw),
    ['42.7%', '1,234', '4.2e-10', '-3'],
  );
  assert.equal(ns[1]!.value, 1234);
  assert.deepEqual(splitSentences('A is 0.136. [a2.c2] B is 42.7%. C.'), [
    'A is 0.136. [a2.c2]',
    'B is 42.7%.',
    'C.',
  ]);
});

test('a sentence whose numbers are all in the ledger is kept and linked to its findings', () => {
  const r = checkNumbers(
    'Monthly contracts churn at 42.7% (n = 702) [a2.c1]. Tenure matters most: shuffling it costs 0.14 of AUC, the top 3 drivers of 8.',
    ledger(),
    ['tenure', 'contract'],
  );
  assert.deepEqual(r.rejected, []);
  assert.equal(r.sentences.length, 2);
  assert.deepEqual(r.sentences[0]!.findings, ['a2.c1']);
  assert.deepEqual(r.sentences[1]!.findings, ['a2.c2']);
  // Rounded as written: 1,234 stands for 1234.4; 43% for 0.42735.
  assert.equal(checkNumbers('Revenue was 1,234 and churn 43%.', ledger()).rejected.length, 0);
});

test('a number the ledger does not hold is caught, and its sentence replaced by the finding it talks about', () => {
  const r = checkNumbers(
    'Tenure is the strongest driver. Tenure cuts churn by 37.5% per year. Monthly contracts churn at 42.7%.',
    ledger(),
    ['tenure', 'contract'],
  );
  assert.equal(r.rejected.length, 1);
  assert.deepEqual(r.rejected[0]!.numbers, ['37.5%']);
  assert.equal(r.rejected[0]!.replacedBy, 'a2.c2');
  assert.ok(r.sentences.some((s) => s.text.startsWith('tenure ranks 1 of 8')));
  assert.ok(!r.sentences.some((s) => s.text.includes('37.5')));
  // A wrong rounding is a wrong number: 42.8% is not 42.7%.
  assert.equal(checkNumbers('Monthly contracts churn at 42.8%.', ledger()).rejected.length, 1);
  // Counting words stay (small whole numbers), a made-up measurement does not.
  assert.equal(checkNumbers('The 3 strongest drivers.', ledger()).rejected.length, 0);
  assert.equal(checkNumbers('Churn costs 12 customers a week.', ledger()).rejected.length, 1);
});
