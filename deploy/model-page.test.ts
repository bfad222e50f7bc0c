/**
 * The model page in a real headless Chromium (Debian's, via playwright-core): it renders, and
 * its form predicts through the API with the key typed in, and it shows permutation importance
 * and the holdout's confusion matrix and the partial dependence of its top columns (screenshot:
 * .ouro/test-artifacts/model-page.png, or OURO_TEST_ARTIFACTS). Skipped where Chromium is absent.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { mkdir } from 'node:fs/promises';
import { PACKAGE_ROOT } from '../core/config.ts';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { createKeyIfMissing } from './api-keys.ts';
import { startServer } from './server.ts';
import { EXAMPLES, publishFixtureModel, tempHome } from './test-fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
let server: Awaited<ReturnType<typeof startServer>> | null = null;
let key = '';

before(async () => {
  if (!existsSync(CHROMIUM)) return;
  const home = await tempHome();
  await publishFixtureModel({
    home,
    name: 'penguins',
    csv: `${EXAMPLES}/penguins.csv`,
    target: 'species',
    task: 'multiclass',
    metric: 'log_loss',
    family: 'forest',
  });
  key = (await createKeyIfMissing(home, 'penguins'))!;
  server = await startServer({
    config: loadConfig({
      OURO_HOME: home,
      ...(process.env.OURO_PYTHON ? { OURO_PYTHON: process.env.OURO_PYTHON } : {}),
    }),
    logger: createLogger('silent'),
    port: 0,
    hostname: '127.0.0.1',
  });
});
after(() => server?.close());

test(
  'the page renders and its form predicts',
  { skip: !existsSync(CHROMIUM) && 'no /usr/bin/chromium (apt-get install chromium)' },
  async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const res = await page.goto(`${server!.url}/models/penguins`);
      assert.equal(res?.status(), 200);
      assert.equal(await page.textContent('h1 .tag'), 'v1');
      assert.match((await page.textContent('body')) ?? '', /holdout log_loss/);
      await page.fill('#key', key);
      await page.click('#try button');
      await page.waitForFunction(() => document.getElementById('result')?.textContent?.startsWith('200'));
      const result = (await page.textContent('#result')) ?? '';
      assert.match(result, /"predictions": \[\s*"(Adelie|Chinstrap|Gentoo)"/);
      // Permutation importance and the holdout's confusion matrix appear once computed (in the background).
      await server!.host.explanationsSettled();
      await page.reload();
      const body = (await page.textContent('body')) ?? '';
      assert.match(body, /What it relies on/);
      assert.match(body, /On the holdout/);
      assert.ok(await page.isVisible('table.confusion'));
      assert.equal(await page.locator('table.confusion tr').count(), 4, 'a header and one row per species');
      assert.match(body, /How the top columns move the prediction/);
      assert.match(body, /what the preprocessing does/);
      assert.match(body, /missing values filled with the training median \(/);
      assert.match(body, /category codes 0\.\.2/);
      assert.ok(
        (await page.locator('svg[aria-label^="How "]').count()) +
          (await page.locator('th:has-text("mean P(")').count()) >=
          2,
        'partial dependence of the top columns, drawn',
      );
      const dir = process.env.OURO_TEST_ARTIFACTS ?? join(PACKAGE_ROOT, '.ouro', 'test-artifacts');
      await mkdir(dir, { recursive: true });
      const shot = join(dir, 'model-page.png');
      await page.screenshot({ path: shot, fullPage: true });
      assert.ok(existsSync(shot));
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  },
);
