import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { modelChart } from '../cli/bot-command.ts';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { versionDir } from '../core/registry.ts';
import type { ModelCard } from '../core/schemas/model-card.ts';
import { UntrustedFileError } from '../core/untrusted-files.ts';
import { dockerSkipReason } from './support/docker-available.ts';
import { CANARY } from './support/host-afterwards-suite.ts';
import { makeTempDir } from './support/temp-dir.ts';

/**
 * A saved model is a pickle: loading it runs code. The bot loads it (in the sandbox) to draw
 * the thread's chart; a hostile one plants `chart.png -> /proc/self/environ` in the output
 * folder and exits cleanly. The host must refuse to read it, so the bot never uploads its own
 * environment to the thread (docs/security.md).
 */
for (const sandbox of ['process', 'docker'] as const) {
  const skip = sandbox === 'docker' ? dockerSkipReason() : null;
  describe(
    `a hostile model cannot make the bot upload a host file as its chart (${sandbox})`,
    { skip: skip ?? false },
    () => {
      let dir: { path: string; cleanup: () => Promise<void> };
      let home: string;
      before(async () => {
        dir = await makeTempDir(`hostile-chart-${sandbox}`);
        await chmod(dir.path, 0o755);
        home = join(dir.path, 'home');
        const model = join(versionDir(home, 'evil', 1), 'model');
        await mkdir(model, { recursive: true, mode: 0o755 });
        for (let p = model; p.startsWith(dir.path) && p !== dir.path; p = join(p, '..'))
          await chmod(p, 0o755);
        const python = loadConfig().OURO_PYTHON;
        // joblib.load runs __reduce__'s callable: exec of the planting code, in the chart step's cwd.
        execFileSync(python, [
          '-c',
          `
import joblib, sys
class Evil:
    def __reduce__(self):
        return (exec, ("import os\\nos.symlink('/proc/self/environ', 'chart.png')\\nos._exit(0)",))
joblib.dump(Evil(), sys.argv[1])
`,
          join(model, 'model.joblib'),
        ]);
        await chmod(join(model, 'model.joblib'), 0o644);
      });
      after(async () => dir.cleanup());

      test('the planted chart.png is refused, not read', async () => {
        const config = loadConfig({ ...process.env, OURO_HOME: home, OURO_SANDBOX: sandbox });
        const chart = modelChart(config, createLogger('silent'))!;
        const card = { name: 'evil', version: 1, family: 'linear' } as ModelCard;
        await assert.rejects(chart(card), (err: unknown) => {
          assert.ok(err instanceof UntrustedFileError, String(err));
          assert.match(err.message, /chart\.png.*symbolic link/);
          assert.doesNotMatch(err.message, new RegExp(CANARY));
          return true;
        });
        // The scratch folder is gone; nothing else was written beside the model.
        assert.deepEqual(await readdir(join(versionDir(home, 'evil', 1), 'model')), ['model.joblib']);
      });
    },
  );
}
