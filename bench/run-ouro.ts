/** `ouro run` in a child process exactly as a user runs it, events read from `--json`. */
import { spawn } from 'node:child_process';
import { RunEventSchema, type RunEvent } from '../core/schemas/events.ts';
import { BENCH_ROOT } from './datasets.ts';

export interface OuroRunOptions {
  budget: number;
  seed: number;
  /** OURO_HOME of the run (a temporary folder the benchmark owns). */
  home: string;
  /** Pin the run and every process it starts to this CPU (`taskset -c`), with a one-core sandbox. */
  cpu?: number;
}

/** The command line, pinned to one CPU with `taskset` (children inherit the affinity) when asked. */
export function pinned(cpu: number | undefined, command: string, args: string[]): [string, string[]] {
  return cpu === undefined ? [command, args] : ['taskset', ['-c', String(cpu), command, ...args]];
}

export function runOuro(file: string, goal: string, o: OuroRunOptions): Promise<RunEvent[]> {
  return new Promise((resolve, reject) => {
    const [command, args] = pinned(o.cpu, process.execPath, [
      '--import',
      'tsx',
      'cli/main.ts',
      'run',
      file,
      goal,
      '--json',
      '--no-serve',
      '--budget',
      String(o.budget),
      '--seed',
      String(o.seed),
      '--max-experiments',
      '100',
    ]);
    const child = spawn(command, args, {
      cwd: BENCH_ROOT,
      env: {
        ...process.env,
        OURO_HOME: o.home,
        OURO_LOG_LEVEL: 'warn',
        ...(o.cpu === undefined ? {} : { OURO_SANDBOX_CPUS: '1' }),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.on('error', reject);
    child.on('close', () =>
      resolve(
        out
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => RunEventSchema.parse(JSON.parse(l))),
      ),
    );
  });
}

/** The validated and finished events of a run, or why there are none. */
export function outcome(
  events: RunEvent[],
):
  | { validated: Extract<RunEvent, { type: 'validated' }>; finished: Extract<RunEvent, { type: 'finished' }> }
  | { error: string } {
  const validated = events.find((e) => e.type === 'validated');
  const finished = events.find((e) => e.type === 'finished');
  if (validated?.type === 'validated' && finished?.type === 'finished') return { validated, finished };
  const failed = events.find((e) => e.type === 'failed');
  return { error: failed?.type === 'failed' ? failed.message : 'the run printed no events' };
}
