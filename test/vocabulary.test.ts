/**
 * The vocabulary shared with the Python harness has one source, core/schemas/vocabulary.ts:
 * the checked-in sandbox/python/ouro_harness/vocabulary.json must be what it generates, and
 * the harness must read it (not a copy of its own).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig, PACKAGE_ROOT } from '../core/config.ts';
import type { OuroErrorCode } from '../core/errors.ts';
import { vocabulary, vocabularyJson, type InputErrorCode } from '../core/schemas/vocabulary.ts';

const HARNESS = join(PACKAGE_ROOT, 'sandbox', 'python');

test('vocabulary.json is generated from the zod schemas and current (run `npm run vocabulary` when this fails)', async () => {
  assert.equal(await readFile(join(HARNESS, 'ouro_harness', 'vocabulary.json'), 'utf8'), vocabularyJson());
});

test('every input error code is an OuroError code', () => {
  // A type-level check: an input error code that OuroErrorCode lacks does not compile.
  const codes: OuroErrorCode[] = vocabulary().input_error_codes as InputErrorCode[];
  assert.ok(codes.includes('input_columns'));
});

test('the harness reads the shared vocabulary', () => {
  const script = [
    'import json',
    'from ouro_harness.errors import InputError',
    'from ouro_harness.forecast_api import FORECAST_METRICS',
    'from ouro_harness.metrics import HIGHER_IS_BETTER, TASK_METRICS',
    'print(json.dumps({"codes": sorted(InputError.CODES), "higher": sorted(HIGHER_IS_BETTER), "tabular": {t: list(m) for t, m in TASK_METRICS.items()}, "forecast": list(FORECAST_METRICS)}))',
  ].join('\n');
  const out = JSON.parse(
    execFileSync(loadConfig().OURO_PYTHON, ['-c', script], {
      cwd: HARNESS,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    }).toString(),
  );
  const v = vocabulary();
  assert.deepEqual(out.codes, [...v.input_error_codes].sort());
  assert.deepEqual(out.higher, [...v.higher_is_better].sort());
  assert.deepEqual(
    out.tabular,
    Object.fromEntries(Object.entries(v.task_metrics).filter(([t]) => v.task_kinds[t] === 'tabular')),
  );
  assert.deepEqual(out.forecast, v.task_metrics[v.tasks.find((t) => v.task_kinds[t] === 'forecasting')!]);
});
