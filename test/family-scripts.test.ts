/**
 * The scripts the heuristic brain writes for each catalogued tabular family stay byte-identical
 * unless meant to change: every family's draft (library defaults), each of its tuning variants,
 * one with early stopping, text and target encoding, and a blend of all of them, for each task,
 * compared with test/fixtures/family-scripts/golden.txt. After a deliberate change to a script
 * recipe, rewrite the golden file with `OURO_UPDATE_GOLDEN=1` and review its diff.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { familiesOfKind, tuneVariants } from '../core/catalog/family-lookup.ts';
import type { Recipe } from '../core/schemas/journal.ts';
import { FULL_GUARDS, writeScript, type ScriptInput } from '../worker/brains/heuristic/write-script.ts';
import { writeForecastScript } from '../worker/kinds/forecast/write-forecast-script.ts';

const GOLDEN = join(import.meta.dirname, 'fixtures', 'family-scripts', 'golden.txt');
const FORECAST_GOLDEN = join(import.meta.dirname, 'fixtures', 'family-scripts', 'forecast-golden.txt');

const recipe = (family: string, extra: Partial<Recipe> = {}): Recipe => ({
  family,
  params: {},
  guards: [...FULL_GUARDS],
  dropColumns: [],
  folds: 5,
  members: [],
  ...extra,
});

/** Every script, named, in a fixed order. */
function render(): string {
  const out: string[] = [];
  const add = (name: string, input: Omit<ScriptInput, 'nodeId' | 'hypothesis'>) =>
    out.push(`===== ${name}\n${writeScript({ nodeId: 'n1', hypothesis: 'h', ...input })}`);
  const families = familiesOfKind('tabular')
    .filter((f) => f.blend !== true)
    .map((f) => f.id);
  for (const task of ['binary', 'multiclass', 'regression'] as const) {
    for (const family of families) {
      add(`${task} ${family} draft`, { operator: 'draft', task, recipe: recipe(family), rows: 1000 });
      tuneVariants(family, task, 1000).forEach((params, i) =>
        add(`${task} ${family} tune ${i}`, {
          operator: 'tune',
          task,
          recipe: recipe(family, { params }),
          rows: 1000,
        }),
      );
      add(`${task} ${family} extras`, {
        operator: 'improve',
        task,
        recipe: recipe(family, {
          guards: ['impute', 'encode'],
          earlyStopping: true,
          textColumns: ['review'],
          targetEncode: ['city'],
          dropColumns: ["it's"],
          maxRows: 5000,
        }),
        rows: 60_000,
      });
    }
    add(`${task} blend`, {
      operator: 'ensemble',
      task,
      recipe: recipe('ensemble', { members: families.map((_, i) => `m${i}`) }),
      members: families.map((f, i) => ({ id: `m${i}`, recipe: recipe(f, { earlyStopping: true }) })),
      rows: 1000,
    });
  }
  return out.join('\n');
}

test("every catalogued family's draft, tuned, and blend scripts match the golden file", async () => {
  const now = render();
  if (process.env.OURO_UPDATE_GOLDEN === '1') await writeFile(GOLDEN, now);
  assert.equal(now, await readFile(GOLDEN, 'utf8'));
});

/** Every forecasting family's draft and tuning variants, and a blend of all of them. */
function renderForecasts(): string {
  const out: string[] = [];
  const base = { guards: [], dropColumns: [], folds: 3, members: [] };
  const families = familiesOfKind('forecasting').filter((f) => f.blend !== true);
  for (const f of families)
    for (const params of [{}, ...tuneVariants(f.id, 'forecast', 1000)])
      out.push(
        writeForecastScript({
          nodeId: 'n1',
          operator: 'draft',
          hypothesis: 'h',
          recipe: { ...base, family: f.id, params },
        }),
      );
  out.push(
    writeForecastScript({
      nodeId: 'n9',
      operator: 'ensemble',
      hypothesis: 'h',
      recipe: { ...base, family: 'ensemble', params: {} },
      members: families.map((f, i) => ({
        id: `n${i}`,
        recipe: { ...base, family: f.id, params: { lags_factor: 2 } },
      })),
    }),
  );
  return out.join('\n----\n');
}

test("every forecasting family's scripts match the golden file", async () => {
  const now = renderForecasts();
  if (process.env.OURO_UPDATE_GOLDEN === '1') await writeFile(FORECAST_GOLDEN, now);
  assert.equal(now, await readFile(FORECAST_GOLDEN, 'utf8'));
});
