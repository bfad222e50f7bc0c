/**
 * The server in the background (`ouro serve --background`, and what `ouro run` leaves behind):
 * a detached `ouro serve` whose pid, port and URL are in OURO_HOME/serve.json, written by the
 * server itself once it listens and removed when it stops.
 */
import { spawn } from 'node:child_process';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { Config } from '../core/config.ts';
import { OuroError } from '../core/errors.ts';
import { readJsonIfExists, writeJsonAtomic } from '../core/store/json-file.ts';

const ServeStateSchema = z.object({
  pid: z.number().int(),
  url: z.string(),
  port: z.number().int(),
  startedAt: z.string(),
  log: z.string().nullable(),
});
export type ServeState = z.infer<typeof ServeStateSchema>;

export function serveStatePath(home: string): string {
  return join(home, 'serve.json');
}

export async function readServeState(home: string): Promise<ServeState | null> {
  return readJsonIfExists(serveStatePath(home), ServeStateSchema).catch(() => null);
}

export async function writeServeState(home: string, state: ServeState): Promise<void> {
  await writeJsonAtomic(serveStatePath(home), state);
}

/** Removes serve.json if it still describes this process. */
export async function clearServeState(home: string, pid = process.pid): Promise<void> {
  const state = await readServeState(home);
  if (state?.pid === pid) await rm(serveStatePath(home), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The server at `url` answers its liveness route as ouro; returns its pid. */
export async function pingServer(url: string, timeoutMs = 1500): Promise<number | null> {
  try {
    const res = await fetch(`${url}/v2/health/live`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return null;
    const body = (await res.json()) as { server?: string; pid?: number };
    return body.server === 'ouro' && typeof body.pid === 'number' ? body.pid : null;
  } catch {
    return null;
  }
}

/** A running server of this OURO_HOME, if one answers. */
export async function runningServer(config: Config): Promise<ServeState | null> {
  const state = await readServeState(config.OURO_HOME);
  if (state === null || !alive(state.pid)) return null;
  return (await pingServer(state.url)) === state.pid ? state : null;
}

function configEnv(config: Config): Record<string, string> {
  // Plain values only: a setting parsed into an object keeps its original text in process.env.
  return Object.fromEntries(
    Object.entries(config).flatMap(([k, v]) =>
      typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? [[k, String(v)]] : [],
    ),
  );
}

/** argv that runs `ouro serve` from this install (the TypeScript sources through tsx, or the build). */
function serveArgv(): string[] {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(fromSource ? '../cli/main.ts' : '../cli/main.js', import.meta.url));
  return [process.execPath, ...(fromSource ? ['--import', import.meta.resolve('tsx')] : []), entry, 'serve'];
}

/**
 * Starts a detached `ouro serve` unless one already answers, and waits until it listens.
 * Returns its state and whether this call started it.
 */
export async function ensureBackgroundServer(
  config: Config,
  opts: { timeoutMs?: number; argv?: string[] } = {},
): Promise<{ state: ServeState; started: boolean }> {
  const existing = await runningServer(config);
  if (existing !== null) return { state: existing, started: false };
  const logs = join(config.OURO_HOME, 'logs');
  await mkdir(logs, { recursive: true, mode: 0o755 });
  const logPath = join(logs, 'serve.log');
  const log = await open(logPath, 'a');
  const [cmd, ...args] = opts.argv ?? serveArgv();
  const child = spawn(cmd!, args, {
    detached: true,
    stdio: ['ignore', log.fd, log.fd],
    // The child reads the same settings, including any the caller set in code rather than the environment.
    env: { ...process.env, ...configEnv(config), OURO_SERVE_LOG: logPath },
    cwd: config.OURO_HOME,
  });
  child.unref();
  await log.close();
  const pid = child.pid;
  let exitCode: number | null = null;
  child.once('exit', (code) => (exitCode = code ?? -1));
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    await sleep(200);
    if (exitCode !== null) break;
    const state = await readServeState(config.OURO_HOME);
    if (state !== null && state.pid === pid && (await pingServer(state.url)) === pid)
      return { state, started: true };
  }
  if (exitCode === null && pid !== undefined) process.kill(pid, 'SIGTERM');
  // Another caller may have started one at the same time (ours then found the port taken).
  const other = await runningServer(config);
  if (other !== null) return { state: other, started: false };
  throw new OuroError(
    'internal',
    `The prediction server did not start${exitCode !== null ? ` (exit ${exitCode})` : ' in time'}; see ${logPath}.`,
  );
}

/** Stops the background server of this OURO_HOME; false when none was running. */
export async function stopBackgroundServer(config: Config, timeoutMs = 15_000): Promise<boolean> {
  const state = await readServeState(config.OURO_HOME);
  if (state === null || !alive(state.pid)) {
    if (state !== null) await rm(serveStatePath(config.OURO_HOME), { force: true });
    return false;
  }
  process.kill(state.pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (alive(state.pid) && Date.now() < deadline) await sleep(100);
  if (alive(state.pid)) process.kill(state.pid, 'SIGKILL');
  await clearServeState(config.OURO_HOME, state.pid);
  return true;
}
