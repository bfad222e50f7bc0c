import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../../core/config.ts';
import type { Recipe } from '../../../core/schemas/journal.ts';
import { familiesOfKind } from '../../../core/catalog/family-lookup.ts';
import { FULL_GUARDS, writeScript } from './write-script.ts';

const recipe = (family: string, extra: Partial<Recipe> = {}): Recipe => ({
  family,
  params: {},
  guards: [...FULL_GUARDS],
  dropColumns: [],
  folds: 5,
  members: [],
  ...extra,
});

test('every family renders a script that Python compiles, for every task', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ouro-scripts-'));
  try {
    const files: string[] = [];
    for (const task of ['binary', 'multiclass', 'regression'] as const) {
      for (const family of familiesOfKind('tabular')
        .filter((f) => f.blend !== true)
        .map((f) => f.id)) {
        const path = join(dir, `${task}-${family}.py`);
        writeFileSync(
          path,
          writeScript({
            nodeId: 'n1',
            operator: 'draft',
            hypothesis: 'h',
            task,
            recipe: recipe(family, { dropColumns: ["it's"] }),
            rows: 1000,
          }),
        );
        files.push(path);
      }
      const ens = writeScript({
        nodeId: 'n9',
        operator: 'ensemble',
        hypothesis: 'h',
        task,
        recipe: recipe('ensemble', { members: ['n2', 'n3'] }),
        members: [
          { id: 'n2', recipe: recipe('linear') },
          { id: 'n3', recipe: recipe('lightgbm') },
        ],
        rows: 1000,
      });
      const path = join(dir, `${task}-ensemble.py`);
      writeFileSync(path, ens);
      files.push(path);
    }
    execFileSync(loadConfig().OURO_PYTHON, ['-m', 'py_compile', ...files]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('guards switch the defensive steps on and off', () => {
  const full = writeScript({
    nodeId: 'n1',
    operator: 'draft',
    hypothesis: 'h',
    task: 'binary',
    recipe: recipe('linear'),
    rows: 100,
  });
  assert.match(full, /SimpleImputer/);
  assert.match(full, /handle_unknown="infrequent_if_exist"/);
  const bare = writeScript({
    nodeId: 'n1',
    operator: 'draft',
    hypothesis: 'h',
    task: 'binary',
    recipe: recipe('linear', { guards: [] }),
    rows: 100,
  });
  assert.doesNotMatch(bare, /SimpleImputer\(/);
  assert.doesNotMatch(bare, /OneHotEncoder\(/);
  const xgb = writeScript({
    nodeId: 'n1',
    operator: 'draft',
    hypothesis: 'h',
    task: 'multiclass',
    recipe: recipe('xgboost'),
    rows: 100,
  });
  assert.match(xgb, /LabelEncoded\(XGBClassifier/);
});

test('boosters run single-threaded on small tables and use both cores on large ones', () => {
  assert.match(
    writeScript({
      nodeId: 'n1',
      operator: 'draft',
      hypothesis: 'h',
      task: 'binary',
      recipe: recipe('lightgbm'),
      rows: 1000,
    }),
    /THREADS = 1/,
  );
  assert.match(
    writeScript({
      nodeId: 'n1',
      operator: 'draft',
      hypothesis: 'h',
      task: 'binary',
      recipe: recipe('lightgbm'),
      rows: 100_000,
    }),
    /THREADS = 2/,
  );
});

test('a sized draft: early stopping sets the trees, the recipe sets the threads, many-valued columns are target-encoded in the pipeline', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ouro-scripts-'));
  try {
    const files: string[] = [];
    for (const task of ['binary', 'multiclass', 'regression'] as const) {
      const draft = writeScript({
        nodeId: 'n1',
        operator: 'draft',
        hypothesis: 'h',
        task,
        recipe: recipe('lightgbm', { earlyStopping: true, threads: 2, targetEncode: ['zip'] }),
        rows: 1000,
      });
      assert.match(draft, /model = choose_rounds\(model, X, y\)/);
      assert.match(draft, /THREADS = 2/);
      assert.match(draft, /TargetEncoder\(random_state=SEED\)\), target_encoded\)/);
      assert.match(draft, /from sklearn\.preprocessing import .*TargetEncoder/);
      const blend = writeScript({
        nodeId: 'n9',
        operator: 'ensemble',
        hypothesis: 'h',
        task,
        recipe: recipe('ensemble', { members: ['n1', 'n2'] }),
        members: [
          { id: 'n1', recipe: recipe('lightgbm', { earlyStopping: true }) },
          { id: 'n2', recipe: recipe('linear', { targetEncode: ['zip'] }) },
        ],
        rows: 1000,
      });
      assert.match(blend, /choose_rounds\(build_0_lightgbm\(X\), X, y\)/);
      for (const [name, text] of [
        [`${task}-draft.py`, draft],
        [`${task}-blend.py`, blend],
      ] as const) {
        writeFileSync(join(dir, name), text);
        files.push(join(dir, name));
      }
    }
    execFileSync(loadConfig().OURO_PYTHON, ['-m', 'py_compile', ...files]);
    // Without the flags nothing changes: the baseline never gets encoders or early stopping.
    const plain = writeScript({
      nodeId: 'n1',
      operator: 'draft',
      hypothesis: 'h',
      task: 'binary',
      recipe: recipe('baseline', { targetEncode: ['zip'] }),
      rows: 1000,
    });
    assert.doesNotMatch(plain, /TargetEncoder|choose_rounds/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
