import { join } from 'node:path';
import { z } from 'zod';
import { readUntrustedJson, UntrustedFileError } from '../../../core/untrusted-files.ts';
import type { CrashEvidence } from '../../diagnosis/classify-crash.ts';

const MetricsFileSchema = z
  .object({ metric: z.string(), mean: z.number(), std: z.number(), folds: z.number().int() })
  .loose();
export type MetricsFile = z.infer<typeof MetricsFileSchema>;

/** What the host needs of a saved model's signature (deploy/signature.ts has the full contract). */
export const SignatureFileSchema = z
  .object({
    inputs: z.array(z.object({ name: z.string(), dtype: z.string() }).loose()),
    classes: z.array(z.string()).nullable(),
  })
  .loose();

/**
 * Reads a finished experiment's metrics.json and model/signature.json through the trust
 * boundary. A refusal (a link, a FIFO, not JSON, off contract) is added to the evidence, so the
 * diagnosis names it, and null is returned.
 */
export async function readExperimentOutputs(
  expDir: string,
  evidence: CrashEvidence,
): Promise<MetricsFile | null> {
  try {
    const metrics = await readUntrustedJson(join(expDir, 'metrics.json'), MetricsFileSchema, {
      root: expDir,
    });
    await readUntrustedJson(join(expDir, 'model', 'signature.json'), SignatureFileSchema, { root: expDir });
    return metrics;
  } catch (err) {
    if (!(err instanceof UntrustedFileError)) throw err;
    evidence.refusedOutputs = [...(evidence.refusedOutputs ?? []), err.message];
    return null;
  }
}
