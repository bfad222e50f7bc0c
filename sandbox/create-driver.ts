import { join } from 'node:path';
import { PACKAGE_ROOT, type Config } from '../core/config.ts';
import type { SandboxDriver } from './driver.ts';
import { createDockerDriver } from './docker/docker-driver.ts';
import { defaultImageTag } from './docker/image.ts';
import { createProcessDriver } from './process/process-driver.ts';

/** Where the Python harness package (`ouro_harness`) lives; mounted read-only in every sandbox. */
export const HARNESS_DIR = join(PACKAGE_ROOT, 'sandbox', 'python');

/** The docker driver's image: OURO_SANDBOX_IMAGE, or the tag build-image.sh gives the current requirements. */
export function sandboxImage(config: Pick<Config, 'OURO_SANDBOX_IMAGE'>): string {
  return config.OURO_SANDBOX_IMAGE ?? defaultImageTag(PACKAGE_ROOT);
}

/** The sandbox driver OURO_SANDBOX selects, checked against this host (throws `sandbox_unavailable`). */
export function createSandboxDriver(config: Config): SandboxDriver {
  switch (config.OURO_SANDBOX) {
    case 'process':
      // Fails closed: without namespaces generated code would see the network and the host's
      // files, so that takes the operator's explicit OURO_SANDBOX_ISOLATION=weak.
      return createProcessDriver({
        python: config.OURO_PYTHON,
        harnessDir: HARNESS_DIR,
        bwrap: config.OURO_SANDBOX_ISOLATION === 'weak' ? 'auto' : 'require',
      });
    case 'docker':
      return createDockerDriver({ image: sandboxImage(config), harnessDir: HARNESS_DIR });
  }
}
