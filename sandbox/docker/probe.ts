/**
 * What the docker driver needs to know before the first run, asked synchronously (the driver
 * factory is synchronous): does a daemon answer, and does it have the image. Run in a short
 * child process because the Engine API is HTTP and Node has no synchronous HTTP.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export interface DockerProbe {
  /** The daemon's version, when one answered. */
  server?: string;
  /** CPUs on the daemon's host (a container cannot be given more). */
  cpus?: number;
  /** Why no daemon answered. */
  daemonError?: string;
  /** The image, when the daemon has it. */
  image?: { id: string; python?: string };
  /** Why the image is not usable ('missing' when the daemon does not have it). */
  imageError?: string;
}

/** dockerode's entry point as a file URL, importable from any process. */
export const DOCKERODE_URL = pathToFileURL(createRequire(import.meta.url).resolve('dockerode')).href;

/** The Docker connection settings dockerode reads, passed on to helper processes. */
export function dockerEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of [
    'DOCKER_HOST',
    'DOCKER_TLS_VERIFY',
    'DOCKER_CERT_PATH',
    'DOCKER_CLIENT_TIMEOUT',
    'DOCKER_PATH_PREFIX',
    'SSH_AUTH_SOCK',
    'HOME',
    'PATH',
  ]) {
    const v = env[key];
    if (v !== undefined && v !== '') out[key] = v;
  }
  return out;
}

const PROBE = `
const { default: Docker } = await import(process.env.OURO_DOCKERODE_URL);
const out = {};
try {
  const docker = new Docker({ timeout: 8000 });
  const v = await docker.version();
  out.server = String(v.Version);
  try {
    const info = await docker.info();
    if (typeof info.NCPU === 'number') out.cpus = info.NCPU;
  } catch {}
  try {
    const img = await docker.getImage(process.env.OURO_PROBE_IMAGE).inspect();
    const labels = (img.Config && img.Config.Labels) || {};
    out.image = { id: img.Id };
    if (labels['ouro.python']) out.image.python = labels['ouro.python'];
  } catch (e) {
    out.imageError = e && e.statusCode === 404 ? 'missing' : String(e && e.message || e);
  }
} catch (e) {
  out.daemonError = String(e && e.message || e);
}
process.stdout.write(JSON.stringify(out));
`;

export function probeDocker(image: string, timeoutMs = 15_000): DockerProbe {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE], {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...dockerEnv(), OURO_DOCKERODE_URL: DOCKERODE_URL, OURO_PROBE_IMAGE: image },
  });
  if (r.error !== undefined) return { daemonError: `the probe could not run: ${r.error.message}` };
  try {
    return JSON.parse(r.stdout) as DockerProbe;
  } catch {
    const why = (r.stderr ?? '').trim().split('\n').slice(-1)[0] ?? '';
    return {
      daemonError:
        r.signal === 'SIGTERM'
          ? `no answer within ${timeoutMs / 1000} s`
          : `the probe failed: ${why || `exit ${r.status}`}`,
    };
  }
}
