/**
 * The TypeScript cleaner against the harness's own Python conversions (real Python), and the
 * request gate's decisions for the conversions the issue names ("$1,200", "12.5%", dates).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cellToFloat, dateParts, parseDate, type FeatureSpec } from './clean-values.ts';
import { ServeError } from './errors.ts';
import { python } from './test-fixtures.ts';
import { compileInputs, prepareBatch } from './validate-request.ts';

const CASES: Record<string, { decimal: string; values: string[] }> = {
  currency: {
    decimal: '.',
    values: [
      '$1,200',
      '$1,200.50',
      '(12.00)',
      '-£3',
      '12 USD',
      '€ 5',
      'USD 7.5',
      'US$9',
      '1 234',
      '$',
      'abc',
      '12-',
      '  $3 ',
      '1,2,3',
    ],
  },
  percent: { decimal: '.', values: ['12.5%', '12.5', '-3 %', '1,000%', '%', 'x%', ' 7% '] },
  numeric_text: {
    decimal: '.',
    values: ['1,234.5', ' 12 ', '1 234', '-3', '.5', '5.', '1e3', '+2', '1,23', 'NaN', '?', 'twelve'],
  },
  comma: { decimal: ',', values: ['1.234,5', '12,5', '1 234,5', '3'] },
  boolean: { decimal: '.', values: ['yes', 'No', 'T', 'f', '1', '0.0', 'maybe'] },
};

test('numbers, currency, percent and booleans convert as the harness converts them', () => {
  const script = `
import json, sys
import pandas as pd
from ouro_harness.convert import to_float
cases = json.loads(sys.argv[1])
out = {}
for name, c in cases.items():
    conv = None if name in ('numeric_text', 'comma') else name
    vals = to_float(pd.Series(c['values'], dtype=object), conv, c['decimal'])
    out[name] = [None if v != v else float(v) for v in vals]
print(json.dumps(out))`;
  const want = JSON.parse(python(['-c', script, JSON.stringify(CASES)])) as Record<string, (number | null)[]>;
  for (const [name, c] of Object.entries(CASES)) {
    const conv = name === 'numeric_text' || name === 'comma' ? null : name;
    const got = c.values.map((v) => cellToFloat(v, conv, c.decimal)).map((v) => (Number.isNaN(v) ? null : v));
    assert.deepEqual(got, want[name], name);
  }
});

test('dates split into the parts the harness makes', () => {
  const values = [
    '2024-01-31',
    '2024-01-31 13:45',
    '2024-01-31T13:45:10Z',
    '2024-01-31T13:45:10+02:00',
    '2024/1/5',
    '2024-02-30',
    'not a date',
    '2024',
  ];
  const script = `
import json, sys
import pandas as pd
from ouro_harness.clean import Cleaner
c = Cleaner([{"name": "d", "meant": "datetime", "conversion": "datetime", "format": "iso", "time": True}])
df = c.transform(pd.DataFrame({"d": json.loads(sys.argv[1])}))
print(json.dumps([[None if v != v else float(v) for v in row] for row in df.to_numpy().tolist()]))`;
  const want = JSON.parse(python(['-c', script, JSON.stringify(values)])) as (number | null)[][];
  values.forEach((v, i) => {
    const got = dateParts(parseDate(v, 'iso'), true).map((x) => (Number.isNaN(x) ? null : x));
    got.forEach((x, k) => {
      const w = want[i]![k]!;
      if (w === null || x === null) assert.equal(x, w, `${v} part ${k}`);
      else assert.ok(Math.abs(x - w) < 1e-9, `${v} part ${k}: ${x} vs ${w}`);
    });
  });
});

const FEATURES: FeatureSpec[] = [
  { name: 'price', meant: 'numeric', conversion: 'currency', decimal: '.' },
  { name: 'rate', meant: 'numeric', conversion: 'percent', decimal: '.' },
  { name: 'when', meant: 'datetime', conversion: 'datetime', format: 'iso', time: false },
  { name: 'member', meant: 'boolean', conversion: 'boolean' },
  { name: 'plan', meant: 'categorical', conversion: null, categories: ['basic', 'pro'] },
];

test('the gate accepts what the cleaner converts, and refuses the rest naming column, row and type', () => {
  const inputs = compileInputs(FEATURES);
  const ok = prepareBatch(
    inputs,
    [
      { price: '$1,200', rate: '12.5%', when: '2024-01-31', member: 'yes', plan: 'pro' },
      { price: 99.5, rate: 0.2, when: null, member: false, plan: 'enterprise' },
    ],
    10,
  );
  assert.deepEqual(Array.from(ok.columns.get('price') as Float32Array), [1200, 99.5]);
  assert.equal((ok.columns.get('rate') as Float32Array)[0], Math.fround(0.125));
  assert.deepEqual(ok.columns.get('plan'), ['pro', 'enterprise']);
  assert.match(ok.warnings[0]!, /Column "plan": 1 row with a category the model never saw/);
  const refuse = (row: Record<string, unknown>) => {
    try {
      prepareBatch(inputs, [{ price: 1, rate: 1, when: null, member: true, plan: 'pro' }, row], 10);
    } catch (err) {
      assert.ok(err instanceof ServeError);
      return `${err.status} ${err.message}`;
    }
    return 'accepted';
  };
  const base = { price: 1, rate: 1, when: null, member: true, plan: 'pro' };
  assert.equal(
    refuse({ ...base, price: 'a lot' }),
    '422 Column "price", row 1: expected a number or an amount like "$1,200.50", got "a lot".',
  );
  assert.equal(
    refuse({ ...base, rate: 'high' }),
    '422 Column "rate", row 1: expected a number or a percent like "12.5%", got "high".',
  );
  assert.equal(
    refuse({ ...base, when: 'yesterday' }),
    '422 Column "when", row 1: expected a date like "2024-01-31", got "yesterday".',
  );
  assert.equal(
    refuse({ ...base, member: 'perhaps' }),
    '422 Column "member", row 1: expected a boolean (true/false, yes/no, 1/0), got "perhaps".',
  );
  assert.equal(
    refuse({ ...base, plan: { nested: true } }),
    '422 Column "plan", row 1: expected a string, got {"nested":true}.',
  );
  assert.equal(refuse({ ...base, price: 'N/A' }), 'accepted');
});
