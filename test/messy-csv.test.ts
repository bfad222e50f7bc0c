import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isBetter } from '../core/schemas/task.ts';
import { messyTable, semicolonBomCrlf, writeText } from './support/fixtures.ts';
import { parseEvents, runCli } from './support/cli.ts';
import { makeTempDir } from './support/temp-dir.ts';

/**
 * Real-world exports through the real CLI: each one either finishes with its problem named
 * in the transcript, or stops with a clear message — never a stack trace.
 */

const QUICK = ['--max-experiments', '3', '--budget', '90', '--json', '--no-serve'];

function assertNoTraceback(out: { stdout: string; stderr: string }): void {
  assert.doesNotMatch(out.stdout + out.stderr, /Traceback|at .*\.ts:\d+|node:internal/);
}

describe('messy CSVs', { concurrency: 2 }, () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  before(async () => {
    dir = await makeTempDir('messy');
  });
  after(() => dir.cleanup());

  test('one file with every common export problem finishes and names each problem', async () => {
    const file = await writeText(join(dir.path, 'customers.csv'), messyTable());
    const out = await runCli(['run', file, 'predict the status', ...QUICK], {
      OURO_HOME: join(dir.path, 'h1'),
    }).done;
    assertNoTraceback(out);
    assert.equal(out.code, 0, out.stderr);
    const events = parseEvents(out.stdout);
    const profiled = events.find((e) => e.type === 'profiled');
    const planned = events.find((e) => e.type === 'planned');
    assert.ok(profiled?.type === 'profiled' && planned?.type === 'planned');
    const said = [
      ...profiled.findings,
      ...events.flatMap((e) => (e.type === 'note' ? [e.message] : [])),
    ].join('\n');
    // Each problem is named with its column.
    assert.match(said, /monthly_fee.*currency|currency.*monthly_fee/i);
    assert.match(said, /discount.*percent|percent.*discount/i);
    assert.match(said, /visits.*(number|numeric)/i);
    assert.match(said, /customer_id.*identifier/i);
    assert.match(said, /signup_date.*date/i);
    assert.match(said, /notes.*(empty|missing)/i);
    assert.match(said, /paused/);
    // The copy of the target is left out of every experiment, with the reason.
    assert.deepEqual(
      planned.plan.dropColumns.map((d) => d.column),
      ['plan_copy'],
    );
    assert.equal(planned.plan.target, 'status');
    const validated = events.find((e) => e.type === 'validated');
    assert.ok(
      validated?.type === 'validated' && isBetter(validated.metric, validated.holdout, validated.baseline),
      'the model should beat the baseline',
    );
  });

  test('semicolons, a BOM and CRLF line endings are read correctly', async () => {
    const file = await writeText(join(dir.path, 'export.csv'), semicolonBomCrlf());
    const out = await runCli(['run', file, 'predict churn', ...QUICK], { OURO_HOME: join(dir.path, 'h2') })
      .done;
    assertNoTraceback(out);
    assert.equal(out.code, 0, out.stderr);
    const events = parseEvents(out.stdout);
    const profiled = events.find((e) => e.type === 'profiled');
    assert.ok(profiled?.type === 'profiled');
    assert.equal(profiled.columns, 4);
    const planned = events.find((e) => e.type === 'planned');
    assert.ok(
      planned?.type === 'planned' && planned.plan.target === 'churn' && planned.plan.task === 'binary',
    );
  });

  const unusable: [string, () => Buffer | string, RegExp, string][] = [
    ['an empty file', () => '', /empty/i, 'input_empty'],
    ['a file with only a header', () => 'a,b,target\n', /no (data )?rows|only a header/i, 'input_no_rows'],
    [
      'a binary file named .csv',
      () =>
        Buffer.from([
          0x89,
          0x50,
          0x4e,
          0x47,
          0x0d,
          0x0a,
          0x1a,
          0x0a,
          0,
          0,
          0,
          0x0d,
          0x49,
          0x48,
          0x44,
          0x52,
          ...Array.from({ length: 512 }, (_, i) => (i * 37) % 256),
        ]),
      /binary|not .*text/i,
      'input_unreadable',
    ],
  ];
  for (const [name, content, message, code] of unusable) {
    test(`${name} stops with a clear message`, async () => {
      const file = join(dir.path, `${code}.csv`);
      await writeFile(file, content());
      const out = await runCli(['run', file, 'predict target', '--json'], {
        OURO_HOME: join(dir.path, `h-${code}`),
      }).done;
      assertNoTraceback(out);
      assert.equal(out.code, 1);
      const failed = parseEvents(out.stdout).find((e) => e.type === 'failed');
      assert.ok(failed?.type === 'failed', out.stdout + out.stderr);
      assert.equal(failed.code, code);
      assert.match(failed.message, message);
    });
  }

  test('a missing file and a missing goal are usage errors, not crashes', async () => {
    const missing = await runCli(['run', join(dir.path, 'nope.csv'), 'predict x'], {
      OURO_HOME: join(dir.path, 'h3'),
    }).done;
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no such file/);
    const noGoal = await runCli(['run', join(dir.path, 'export.csv')], { OURO_HOME: join(dir.path, 'h3') })
      .done;
    assert.equal(noGoal.code, 2);
    assert.match(noGoal.stderr, /Missing the goal/);
    assertNoTraceback(missing);
    assertNoTraceback(noGoal);
  });
});
