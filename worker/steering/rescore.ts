import { join } from 'node:path';
import { z } from 'zod';
import type { Journal } from '../../core/schemas/journal.ts';
import { readUntrustedJson, UntrustedFileError } from '../../core/untrusted-files.ts';

const RescoreSchema = z.object({ all: z.record(z.string(), z.number().nullable()).optional() }).loose();

/** Re-reads each finished experiment's saved cross-validation under the plan's new metric. */
export async function rescoreNodes(journal: Journal, root: string): Promise<void> {
  const metric = journal.plan!.metric;
  for (const n of journal.nodes.filter((x) => x.status === 'succeeded' && x.cv !== null)) {
    const saved = await readUntrustedJson(join(root, n.dir, 'metrics.json'), RescoreSchema, {
      root: join(root, n.dir),
    }).catch((err: unknown) => {
      if (err instanceof UntrustedFileError) return null;
      throw err;
    });
    const value = saved?.all?.[metric];
    if (typeof value === 'number' && Number.isFinite(value))
      n.cv = { mean: value, std: 0, folds: n.cv!.folds };
    else n.status = 'failed';
  }
}
