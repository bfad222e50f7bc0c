import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RunEventSchema, type RunEvent } from '../../core/schemas/events.ts';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `ouro` CLI (from source) as a user would, in a child process. */
export function runCli(
  args: string[],
  env: Record<string, string>,
  opts: { onStdout?: (chunk: string) => void } = {},
): { done: Promise<CliResult>; pid: number | undefined; kill: (s: NodeJS.Signals) => void } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, OURO_LOG_LEVEL: 'warn', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
    opts.onStdout?.(c);
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { done, pid: child.pid, kill: (s) => child.kill(s) };
}

/** Parses `--json` output into events (lines that are not events fail the parse loudly). */
export function parseEvents(stdout: string): RunEvent[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => RunEventSchema.parse(JSON.parse(l)));
}
