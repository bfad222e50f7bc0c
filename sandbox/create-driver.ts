import { join } from 'node:path';
import { PACKAGE_ROOT, type Config } from '../core/config.ts';
import { OuroError } from '../core/errors.ts';
import type { SandboxDriver } from './driver.ts';
import { createProcessDriver } from './process/process-driver.ts';

/** Where the Python harness package (`ouro_harness`) lives; mounted read-only in every sandbox. */
export const HARNESS_DIR = join(PACKAGE_ROOT, 'sandbox', 'python');

/** The sandbox driver OURO_SANDBOX selects, checked against this host (throws `sandbox_unavailable`). */
export function createSandboxDriver(config: Config): SandboxDriver {
  switch (config.OURO_SANDBOX) {
    case 'process':
      return createProcessDriver({ python: config.OURO_PYTHON, harnessDir: HARNESS_DIR });
    case 'docker':
      throw new OuroError('sandbox_unavailable', 'The docker sandbox driver is not built yet. Use OURO_SANDBOX=process (the default).');
  }
}
