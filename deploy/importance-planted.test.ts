/**
 * Permutation importance finds planted effects: a table whose target depends on two columns
 * (a number and a category) and not on two others, a model trained by the harness, the real
 * sandboxed permutation step (features only) and the host's scoring against the vault's labels.
 * The planted columns rank first, and shuffling a noise column costs about nothing.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { seededRandom } from '../core/seeded-random.ts';
import { createSandboxDriver } from '../sandbox/create-driver.ts';
import { prepareExplanations } from './prepare-explanations.ts';
import { readImportance } from './serving-files.ts';
import { servingLimits } from './server.ts';
import { publishFixtureModel, tempHome } from './test-fixtures.ts';

test('the planted columns rank first in permutation importance; noise columns near zero', async () => {
  const home = await tempHome();
  const rand = seededRandom(7);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const lines = ['dose,site,noise_a,noise_b,response'];
  const effect: Record<string, number> = { north: 3, south: -3, east: 0 };
  for (let i = 0; i < 800; i++) {
    const dose = normal();
    const site = ['north', 'south', 'east'][Math.floor(rand() * 3)]!;
    lines.push(
      [
        dose.toFixed(3),
        site,
        normal().toFixed(3),
        normal().toFixed(3),
        (4 * dose + effect[site]! + 0.5 * normal()).toFixed(3),
      ].join(','),
    );
  }
  const csv = join(home, 'planted.csv');
  await writeFile(csv, lines.join('\n') + '\n');
  const f = await publishFixtureModel({
    home,
    name: 'planted',
    csv,
    target: 'response',
    task: 'regression',
    metric: 'rmse',
    family: 'lightgbm',
  });
  const config = loadConfig({
    OURO_HOME: home,
    ...(process.env.OURO_PYTHON ? { OURO_PYTHON: process.env.OURO_PYTHON } : {}),
  });
  const done = await prepareExplanations({
    home,
    name: 'planted',
    version: f.version,
    driver: createSandboxDriver(config),
    limits: servingLimits(config),
    logger: createLogger('silent'),
  });
  assert.equal(done, true);
  const importance = (await readImportance(home, 'planted', f.version))!;
  const ranked = importance.columns.map((c) => c.name);
  assert.deepEqual(ranked.slice(0, 2), ['dose', 'site'], JSON.stringify(importance.columns));
  const of = (name: string) => importance.columns.find((c) => c.name === name)!.mean;
  for (const noise of ['noise_a', 'noise_b'])
    assert.ok(of(noise) < 0.05 * of('site'), `${noise}: ${of(noise)} vs site ${of('site')}`);
  // The same step's partial dependence: rmse units, so dose's curve rises by about 4 per unit.
  const dose = importance.partialDependence!.columns.dose!;
  const [lo, hi] = [dose.grid[0] as number, dose.grid.at(-1) as number];
  const slope = ((dose.mean.at(-1) as number) - (dose.mean[0] as number)) / (hi - lo);
  assert.ok(slope > 2.5 && slope < 5, `partial dependence slope of dose: ${slope}`);
});
