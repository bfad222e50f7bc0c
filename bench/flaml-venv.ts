/**
 * FLAML lives in its own virtualenv (.bench/flaml-venv), never in the sandbox's: the contender
 * must not change what ouro runs with. Created on first use from bench/flaml/requirements.txt
 * (pinned, installed with --no-deps) and re-created when that file changes.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BENCH_ROOT } from './datasets.ts';

const VENV = join(BENCH_ROOT, '.bench', 'flaml-venv');
const REQUIREMENTS = join(BENCH_ROOT, 'bench', 'flaml', 'requirements.txt');

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`)),
    );
  });
}

/** The FLAML virtualenv's python, installing it when missing or stale. */
export async function ensureFlamlPython(): Promise<string> {
  const hash = createHash('sha256')
    .update(await readFile(REQUIREMENTS))
    .digest('hex')
    .slice(0, 12);
  const marker = join(VENV, `.requirements-${hash}`);
  const python = join(VENV, 'bin', 'python');
  if (existsSync(marker)) return python;
  console.error(`Installing FLAML into ${VENV} (one time, about a minute)…`);
  await rm(VENV, { recursive: true, force: true });
  const base =
    process.env.OURO_PYTHON_BASE ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  await run(base, ['-m', 'venv', VENV]);
  await run(python, [
    '-m',
    'pip',
    'install',
    '-q',
    '--disable-pip-version-check',
    '--no-deps',
    '-r',
    REQUIREMENTS,
  ]);
  await writeFile(marker, '');
  return python;
}
