import { loadConfig } from '../../core/config.ts';
import { sandboxImage } from '../../sandbox/create-driver.ts';
import { probeDocker } from '../../sandbox/docker/probe.ts';

/** Why the docker driver cannot run here (the daemon or the image is missing), or null. */
export function dockerSkipReason(): string | null {
  const image = sandboxImage(loadConfig());
  const probe = probeDocker(image);
  if (probe.daemonError !== undefined)
    return `no Docker daemon reachable (${probe.daemonError}); run scripts/docker-setup.sh`;
  if (probe.image === undefined)
    return `the sandbox image ${image} is not built; run sandbox/image/build-image.sh --offline`;
  return null;
}
