/** Downloads of a synthetic dataset by its signed link (core/dataset-links.ts). */
import { join } from 'node:path';
import type { Hono } from 'hono';
import { checkDatasetLink } from '../core/dataset-links.ts';
import { readUntrusted, UNTRUSTED_CAPS } from '../core/untrusted-files.ts';
import type { AppOptions } from './app.ts';

export function addDatasetRoute(app: Hono, opts: AppOptions): void {
  // A synthetic dataset, by the signed link its run published (core/dataset-links.ts).
  app.get('/datasets/:runId/:file', async (c) => {
    const runId = c.req.param('runId');
    const file = c.req.param('file');
    if (
      opts.internalToken === undefined ||
      !checkDatasetLink(opts.internalToken, runId, file, c.req.query('expires'), c.req.query('sig'))
    ) {
      return c.json(
        {
          error: 'This download link is not valid or has expired; ask for the dataset again.',
          code: 'forbidden',
        },
        403,
      );
    }
    const dir = join(opts.home, 'runs', runId, 'dataset');
    try {
      // Written by the host, but read like sandbox output: no links, capped.
      const data = await readUntrusted(join(dir, file), { root: dir, maxBytes: UNTRUSTED_CAPS.tree });
      return c.body(new Uint8Array(data), 200, {
        'Content-Type': 'application/octet-stream',
        'Content-Disposition': `attachment; filename="${file}"`,
        'Cache-Control': 'no-store',
      });
    } catch {
      return c.json({ error: `No dataset ${file} for run ${runId} on this server.`, code: 'not_found' }, 404);
    }
  });
}
