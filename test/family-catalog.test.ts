/**
 * The catalog of model families (core/catalog/families.ts) is the one place a family lives:
 * every tabular entry carries a complete script spec and every forecasting one has a forecaster, its libraries are pinned in the
 * sandbox image and import inside a real sandbox (process driver, bubblewrap), and the LLM
 * prompts name what the image has.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { familiesOfKind, familyNamedIn } from '../core/catalog/family-lookup.ts';
import { FAMILY_CATALOG, type ModelFamily } from '../core/catalog/families.ts';
import { familyModules, NOT_IN_SANDBOX, SANDBOX_LIBRARIES } from '../core/catalog/sandbox-libraries.ts';
import { loadConfig, PACKAGE_ROOT } from '../core/config.ts';
import { HARNESS_DIR } from '../sandbox/create-driver.ts';
import { DEFAULT_LIMITS } from '../sandbox/driver.ts';
import { createProcessDriver } from '../sandbox/process/process-driver.ts';
import { forecasterExpression } from '../worker/kinds/forecast/write-forecast-script.ts';
import { THREAD_HELP } from '../bot/thread-command.ts';

async function pinned(): Promise<Map<string, string>> {
  const text = await readFile(join(PACKAGE_ROOT, 'sandbox', 'requirements.txt'), 'utf8');
  return new Map(
    text
      .split('\n')
      .filter((l) => /^[A-Za-z0-9_.-]+==/.test(l))
      .map((l) => l.split('==') as [string, string])
      .map(([n, v]) => [n.toLowerCase(), v]),
  );
}

/** What is missing from the tabular entries of `catalog` for a script to be written, one line each. */
function incompleteTabular(catalog: readonly ModelFamily[]): string[] {
  const problems: string[] = [];
  for (const f of catalog) {
    const use = f.kinds.tabular;
    if (use === undefined) continue;
    if (f.blend === true) {
      if (use.script !== undefined) problems.push(`${f.id}: a blend has no script spec of its own`);
      continue;
    }
    const spec = use.script;
    if (spec === undefined) {
      problems.push(`${f.id}: no script spec`);
      continue;
    }
    for (const task of ['binary', 'multiclass', 'regression'] as const) {
      const imports = spec.imports(task);
      const estimator = spec.estimator(task, spec.defaults(task));
      if (imports.length === 0 || imports.some((i) => !/^(from \S+ )?import \S/.test(i)))
        problems.push(`${f.id} (${task}): imports ${JSON.stringify(imports)} are not Python import lines`);
      if (!/^[A-Za-z_][\w.]*\(.*\)$/s.test(estimator))
        problems.push(`${f.id} (${task}): estimator ${JSON.stringify(estimator)} is not a constructor call`);
    }
  }
  return problems;
}

test('every tabular family of the catalog but a blend has a complete script spec', () => {
  assert.deepEqual(incompleteTabular(FAMILY_CATALOG), []);
});

test('an entry without a script spec, or with a broken one, is caught', () => {
  const bare: ModelFamily = {
    id: 'knn',
    name: 'knn',
    library: null,
    onnx: true,
    kinds: { tabular: { label: 'knn' } },
  };
  const broken: ModelFamily = {
    ...bare,
    id: 'broken',
    kinds: {
      tabular: {
        label: 'broken',
        script: { imports: () => [], estimator: () => '', encoding: 'onehot', defaults: () => ({}) },
      },
    },
  };
  const problems = incompleteTabular([bare, broken]);
  assert.ok(problems.includes('knn: no script spec'), problems.join('\n'));
  assert.ok(
    problems.some((p) => p.startsWith('broken (binary): imports')),
    problems.join('\n'),
  );
  assert.ok(
    problems.some((p) => p.startsWith('broken (regression): estimator')),
    problems.join('\n'),
  );
});

test('every forecasting family of the catalog has a forecaster', () => {
  for (const f of familiesOfKind('forecasting').filter((x) => x.blend !== true)) {
    assert.doesNotThrow(
      () =>
        forecasterExpression({
          family: f.id,
          params: {},
          guards: [],
          dropColumns: [],
          folds: 3,
          members: [],
        }),
      f.id,
    );
  }
});

test('ids are unique, every family has a label for each kind it serves, and aliases find their own family', () => {
  assert.equal(new Set(FAMILY_CATALOG.map((f) => f.id)).size, FAMILY_CATALOG.length);
  for (const f of FAMILY_CATALOG) {
    for (const use of Object.values(f.kinds)) assert.ok(use!.label.length > 0, f.id);
  }
  assert.equal(familyNamedIn('try random forest'), 'random_forest');
  assert.equal(familyNamedIn('avoid holt-winters'), 'ets');
  assert.match(THREAD_HELP, /linear model, /, "the help names the catalog's families");
});

test('the libraries the catalog and the prompts name are pinned in sandbox/requirements.txt; the ones they deny are not', async () => {
  const pins = await pinned();
  for (const lib of SANDBOX_LIBRARIES) {
    const version = pins.get(lib.pip.toLowerCase());
    assert.ok(version !== undefined, `${lib.pip} is not pinned in sandbox/requirements.txt`);
    if (lib.version !== null)
      assert.ok(
        version.startsWith(`${lib.version}.`),
        `${lib.pip}: the prompt says ${lib.version}, the image has ${version}`,
      );
  }
  for (const f of FAMILY_CATALOG)
    if (f.library !== null)
      assert.ok(
        SANDBOX_LIBRARIES.some((l) => l.pip === f.library),
        `${f.id}'s library ${f.library} is not a sandbox library`,
      );
  for (const name of NOT_IN_SANDBOX)
    assert.equal(pins.get(name), undefined, `${name} is pinned, yet the prompt says it is not there`);
});

test('every catalogued library imports inside a real sandbox', async () => {
  const driver = createProcessDriver({
    python: loadConfig().OURO_PYTHON,
    harnessDir: HARNESS_DIR,
    bwrap: 'require',
  });
  const dir = await mkdtemp(join(tmpdir(), 'ouro-catalog-'));
  try {
    const modules = [...new Set([...familyModules(), ...SANDBOX_LIBRARIES.map((l) => l.module)])];
    const script = `import importlib\nfor m in ${JSON.stringify(modules)}:\n    importlib.import_module(m)\n    print("ok", m)\n`;
    const r = await driver.run({
      command: ['python', '-c', script],
      cwd: dir,
      mounts: [{ path: dir, writable: true }],
      limits: DEFAULT_LIMITS,
      timeoutMs: 120_000,
    });
    assert.equal(r.exitCode, 0, r.stderr);
    for (const m of modules) assert.match(r.stdout, new RegExp(`^ok ${m}$`, 'm'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
