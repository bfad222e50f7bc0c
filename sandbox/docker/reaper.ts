/**
 * Containers must not outlive the process that started them, even when it is SIGKILLed (where
 * no exit handler runs). One small detached helper per host process holds the read end of a
 * pipe from it; when the pipe closes — however the host died — the helper removes every
 * container labelled with the host's owner id, then exits. While the host lives it does
 * nothing.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DOCKERODE_URL, dockerEnv } from './probe.ts';

/** Label on every sandbox container. */
export const SANDBOX_LABEL = 'ouro.sandbox';
/** Label naming the host process that owns a container. */
export const OWNER_LABEL = 'ouro.owner';

/** This process's owner id: unique per process, so a reaper never touches another's containers. */
export const OWNER_ID = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;

const REAPER = `
const owner = process.env.OURO_REAPER_OWNER;
let done = false;
async function reap() {
  if (done) return;
  done = true;
  try {
    const { default: Docker } = await import(process.env.OURO_DOCKERODE_URL);
    const docker = new Docker({ timeout: 30000 });
    const list = await docker.listContainers({ all: true, filters: JSON.stringify({ label: ['${OWNER_LABEL}=' + owner] }) });
    await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  } catch {}
  process.exit(0);
}
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
process.on('SIGHUP', () => undefined);
process.stdin.on('end', reap);
process.stdin.on('close', reap);
process.stdin.on('error', reap);
process.stdin.resume();
`;

let started = false;

/** Starts this process's reaper once (idempotent, never blocks the host's exit). */
export function ensureReaper(): void {
  if (started) return;
  started = true;
  try {
    const child = spawn(process.execPath, ['--input-type=module', '-e', REAPER], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      env: { ...dockerEnv(), OURO_DOCKERODE_URL: DOCKERODE_URL, OURO_REAPER_OWNER: OWNER_ID },
    });
    child.on('error', () => undefined);
    child.stdin?.on('error', () => undefined);
    child.unref();
    // The pipe must not keep the host's event loop alive either.
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  } catch {
    // Without a reaper, containers still go at the end of every run; only a host killed
    // mid-run would leave one behind.
  }
}
