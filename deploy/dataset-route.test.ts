import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../core/config.ts';
import { checkDatasetLink, datasetLink } from '../core/dataset-links.ts';
import { createLogger } from '../core/logger.ts';
import { startServer, type RunningServer } from './server.ts';
import { tempHome } from './test-fixtures.ts';

const TOKEN = 'dataset-link-test-token-0123456789abcdef';
let server: RunningServer;
let home: string;

before(async () => {
  home = await tempHome('ouro-dataset-');
  const dir = join(home, 'runs', 'r-synth-1', 'dataset');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'pima-synthetic.csv'), 'a,b\n1,2\n');
  await symlink('/etc/passwd', join(dir, 'planted.csv'));
  server = await startServer({
    config: loadConfig({ OURO_HOME: home, OURO_INTERNAL_TOKEN: TOKEN }),
    logger: createLogger('silent'),
    port: 0,
    hostname: '127.0.0.1',
    pollMs: 60_000,
  });
});
after(() => server?.close());

test('a signed link downloads its one file until it expires; anything else is refused', async () => {
  const ok = await fetch(datasetLink(server.url, TOKEN, 'r-synth-1', 'pima-synthetic.csv'));
  assert.equal(ok.status, 200);
  assert.equal(await ok.text(), 'a,b\n1,2\n');
  assert.match(ok.headers.get('content-disposition') ?? '', /attachment; filename="pima-synthetic\.csv"/);

  const other = datasetLink(server.url, TOKEN, 'r-synth-1', 'pima-synthetic.csv').replace(
    'pima-synthetic.csv',
    'other.csv',
  );
  assert.equal((await fetch(other)).status, 403, 'a signature is for one file');
  assert.equal(
    (
      await fetch(
        datasetLink(
          server.url,
          'another-token-0123456789abcdef0123456789',
          'r-synth-1',
          'pima-synthetic.csv',
        ),
      )
    ).status,
    403,
  );
  assert.equal(
    (
      await fetch(
        datasetLink(server.url, TOKEN, 'r-synth-1', 'pima-synthetic.csv', Date.now() - 8 * 24 * 3600_000),
      )
    ).status,
    403,
    'expired',
  );
  assert.equal(
    (await fetch(`${server.url}/datasets/r-synth-1/pima-synthetic.csv`)).status,
    403,
    'no signature',
  );
  const planted = await fetch(datasetLink(server.url, TOKEN, 'r-synth-1', 'planted.csv'));
  assert.equal(planted.status, 404, 'a link in the folder is not followed');
  assert.doesNotMatch(await planted.text(), /root:/);
});

test('the check itself: exact file, unexpired, well-formed', () => {
  const url = new URL(datasetLink('http://x', TOKEN, 'r-synth-1', 'a.csv', 1_000_000));
  const [e, s] = [url.searchParams.get('expires')!, url.searchParams.get('sig')!];
  assert.equal(checkDatasetLink(TOKEN, 'r-synth-1', 'a.csv', e, s, 1_000_000), true);
  assert.equal(checkDatasetLink(TOKEN, 'r-synth-1', '../a.csv', e, s, 1_000_000), false);
  assert.equal(
    checkDatasetLink(
      TOKEN,
      'r-synth-1',
      'a.csv',
      e,
      s.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')),
      1_000_000,
    ),
    false,
  );
});
