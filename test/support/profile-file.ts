import { copyFile, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { limitsFromConfig } from '../../cli/run-command.ts';
import { loadConfig } from '../../core/config.ts';
import { ProfileSchema, type Profile } from '../../core/schemas/profile.ts';
import { readJson } from '../../core/store/json-file.ts';
import { createSandboxDriver } from '../../sandbox/create-driver.ts';
import { runTrustedStep } from '../../worker/sandbox-steps.ts';

/**
 * The profile of a real file as a run sees it: `python -m ouro_harness inspect` in the real
 * sandbox, the same step the loop runs first.
 */
export async function profileFile(file: string, workDir: string): Promise<Profile> {
  const config = loadConfig({ ...process.env, OURO_HOME: workDir, OURO_LOG_LEVEL: 'silent' });
  const dir = join(workDir, basename(file).replace(/\W+/g, '_'));
  const input = join(dir, 'input', basename(file));
  const prep = join(dir, 'prep');
  await mkdir(join(dir, 'input'), { recursive: true, mode: 0o755 });
  await mkdir(prep, { recursive: true, mode: 0o755 });
  await copyFile(file, input);
  await runTrustedStep({
    driver: createSandboxDriver(config),
    limits: limitsFromConfig(config),
    args: [
      'inspect',
      '--input',
      input,
      '--profile',
      join(prep, 'profile.json'),
      '--table',
      join(prep, 'table.parquet'),
    ],
    cwd: prep,
    mounts: [{ path: input }, { path: prep, writable: true }],
    timeoutMs: 120_000,
    doing: `profiling ${basename(file)}`,
  });
  return readJson(join(prep, 'profile.json'), ProfileSchema);
}
