/**
 * A generator is generated code: its crash is diagnosed like a training script's, and what it
 * leaves in its folder crosses the trust boundary (docs/architecture.md, "Synthetic data") —
 * a synthetic table that is a link to a host file is refused, never judged or published.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { limitsFromConfig } from '../cli/run-command.ts';
import { loadConfig } from '../core/config.ts';
import { FileEventLog } from '../core/events/event-log.ts';
import { runPaths } from '../core/run-paths.ts';
import type { RunEvent } from '../core/schemas/events.ts';
import { createSandboxDriver } from '../sandbox/create-driver.ts';
import { runGenerator } from '../worker/synthesis/run-generator.ts';
import { makeTempDir } from './support/temp-dir.ts';

let dir: { path: string; cleanup: () => Promise<void> };
before(async () => {
  dir = await makeTempDir('synth-hostile');
});
after(() => dir.cleanup());

async function runScript(
  script: string,
): Promise<{ trial: Awaited<ReturnType<typeof runGenerator>>['trial']; events: RunEvent[] }> {
  // A worktree whose .venv is a symlink names the real interpreter (the sandbox cannot follow the link).
  const config = loadConfig({
    OURO_HOME: join(dir.path, 'home'),
    ...(process.env.OURO_PYTHON ? { OURO_PYTHON: process.env.OURO_PYTHON } : {}),
  });
  const paths = runPaths(config.OURO_HOME, `r-hostile-${Math.random().toString(36).slice(2, 8)}`);
  await mkdir(paths.workspace, { recursive: true });
  await mkdir(paths.holdout, { recursive: true });
  const events = new FileEventLog(paths.events, 'r-hostile');
  const seen: RunEvent[] = [];
  events.onEvent((e) => seen.push(e));
  const out = await runGenerator({
    config,
    driver: createSandboxDriver(config),
    limits: limitsFromConfig(config),
    paths,
    spec: { id: 'g1', family: 'cart', params: {}, why: 'test' },
    script,
    purpose: 'stand-in',
    task: 'binary',
    metric: 'roc_auc',
    withBaseline: true,
    events,
  });
  assert.equal(out.result, null);
  return { trial: out.trial, events: seen };
}

test('a generator that crashes is diagnosed like a training script', async () => {
  const { trial, events } = await runScript(
    "import pandas as pd\ndf = pd.DataFrame({'a': [1]})\nprint(df['glucose'])\n",
  );
  assert.equal(trial.status, 'failed');
  const failed = events.find((e) => e.type === 'experiment.failed');
  assert.ok(failed && failed.type === 'experiment.failed');
  assert.equal(failed.diagnosis.class, 'schema');
  assert.match(failed.diagnosis.evidence, /glucose/);
});

test('a synthetic table that is a link to a host file is refused, not judged', async () => {
  const { trial, events } = await runScript("import os\nos.symlink('/etc/passwd', 'synthetic.parquet')\n");
  assert.equal(trial.status, 'failed');
  const failed = events.find((e) => e.type === 'experiment.failed');
  assert.ok(failed && failed.type === 'experiment.failed');
  assert.equal(failed.diagnosis.class, 'contract');
  assert.match(failed.diagnosis.evidence, /symbolic link/);
  // Nothing was copied out for the judge.
  assert.equal(
    events.some((e) => e.type === 'note'),
    false,
  );
  await assert.rejects(
    readFile(join(dir.path, 'home', 'runs', 'r-hostile', 'judge', 'g1', 'synthetic.parquet')),
  );
});
