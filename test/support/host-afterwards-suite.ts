/**
 * "What the host does afterwards" (docs/security.md): the sandbox holds while a script runs,
 * but then the host reads, writes and copies what the script left in its folder. Each test
 * plants something a real attack would — a symlink to a host file or to /proc/self/environ, a
 * hard link, a FIFO, a huge file, a link inside the model folder — runs the real experiment
 * runner on the given driver, and asserts that the experiment fails alone (class `contract`),
 * that no host file outside the run changed, and that no canary secret is in what the host
 * made of it. Run against both drivers (sandbox/process, sandbox/docker).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { registerSecrets } from '../../core/redact.ts';
import { DEFAULT_LIMITS, type SandboxDriver } from '../../sandbox/driver.ts';
import { classifyCrash } from '../../worker/diagnosis/classify-crash.ts';
import { runExperiment, type ExperimentRun } from '../../worker/loop/run-experiment.ts';
import type { SuiteTarget } from './hostile-suite.ts';

/** A secret value the host holds: in a host .env file, and in the environment when test.sh set it. */
export const CANARY =
  process.env.OURO_CANARY_TOKEN ??
  `ouro-canary-${createHash('sha256').update(String(process.pid)).digest('hex').slice(0, 24)}`;

/** Writes a valid model and metrics.json, as an honest script would, then runs `plant`. */
function script(plant: string): string {
  return `
import json, os, stat
os.makedirs('model', exist_ok=True)
with open('model/signature.json', 'w') as f:
    json.dump({"inputs": [{"name": "x", "dtype": "float64"}], "classes": None}, f)
with open('model/model.joblib', 'wb') as f:
    f.write(b'not really a model')
with open('metrics.json', 'w') as f:
    json.dump({"metric": "roc_auc", "mean": 0.9, "std": 0.01, "folds": 5}, f)
print('honest output')
${plant}
`;
}

/** Every file under `dir`, with its bytes' hash (or link target): what must not change. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const name of (await readdir(d)).sort()) {
      const p = join(d, name);
      const st = await lstat(p);
      if (st.isDirectory()) await walk(p);
      else
        out[p] = st.isFile()
          ? createHash('sha256')
              .update(await readFile(p))
              .digest('hex')
          : 'special';
    }
  };
  await walk(dir);
  return out;
}

export function hostAfterwardsSuite(target: SuiteTarget): void {
  describe(
    `${target.label} driver: what the host does with what a sandbox left`,
    { skip: target.skip ?? false },
    () => {
      let base: string;
      let host: string;
      let workspace: string;
      let driver: SandboxDriver;
      let before_: Record<string, string>;
      let n = 0;

      before(async () => {
        registerSecrets([CANARY]);
        base = join(tmpdir(), `ouro-afterwards-${target.label}-${process.pid}`);
        await rm(base, { recursive: true, force: true });
        host = join(base, 'host');
        workspace = join(base, 'run', 'workspace');
        await mkdir(join(host, 'registry', 'churn'), { recursive: true });
        await mkdir(workspace, { recursive: true, mode: 0o755 });
        await mkdir(join(base, 'run', 'experiments'), { recursive: true, mode: 0o755 });
        // The files an attacker wants: another team's key, the host's secrets, a cron folder.
        await writeFile(join(host, 'registry', 'churn', 'key.json'), '{"hash":"the-owners-key-hash"}\n', {
          mode: 0o600,
        });
        await writeFile(join(host, '.env'), `OURO_INTERNAL_TOKEN=${CANARY}\n`, { mode: 0o600 });
        await mkdir(join(host, 'cron.d'));
        driver = target.driver();
        before_ = await snapshot(host);
      });
      after(async () => {
        await rm(base, { recursive: true, force: true });
      });

      async function plant(code: string): Promise<ExperimentRun> {
        n += 1;
        return runExperiment({
          driver,
          limits: { ...DEFAULT_LIMITS, memoryMb: 1024 },
          dir: join(base, 'run', 'experiments', `n${n}`),
          script: script(code),
          workspace,
          timeoutMs: 60_000,
        });
      }

      async function assertFailedAlone(run: ExperimentRun, says: RegExp): Promise<void> {
        assert.equal(run.complete, false, 'a hostile experiment is not complete');
        const d = classifyCrash(run.evidence);
        assert.equal(d.class, 'contract', JSON.stringify(d));
        assert.match(d.evidence, says);
        assert.doesNotMatch(JSON.stringify({ d, e: run.evidence }), new RegExp(CANARY));
        assert.deepEqual(await snapshot(host), before_, 'no host file outside the run changed');
      }

      test('stdout.txt and stderr.txt planted as links: the host replaces them, never writes through', async () => {
        const run = await plant(`
os.symlink(${JSON.stringify(join(host, 'registry', 'churn', 'key.json'))}, 'stdout.txt')
os.symlink(${JSON.stringify(join(host, 'cron.d', 'ouro'))}, 'stderr.txt')
`);
        assert.equal(run.complete, true, 'the outputs themselves are honest');
        assert.deepEqual(await snapshot(host), before_);
        const st = await lstat(join(base, 'run', 'experiments', `n${n}`, 'stdout.txt'));
        assert.ok(st.isFile() && !st.isSymbolicLink());
        assert.match(
          await readFile(join(base, 'run', 'experiments', `n${n}`, 'stdout.txt'), 'utf8'),
          /honest output/,
        );
      });

      test('metrics.json as a link to a host secrets file is refused unread', async () => {
        await assertFailedAlone(
          await plant(
            `os.remove('metrics.json'); os.symlink(${JSON.stringify(join(host, '.env'))}, 'metrics.json')`,
          ),
          /metrics\.json.*symbolic link/,
        );
      });

      test('metrics.json as a link to /proc/self/environ is refused unread', async () => {
        await assertFailedAlone(
          await plant(`os.remove('metrics.json'); os.symlink('/proc/self/environ', 'metrics.json')`),
          /symbolic link/,
        );
      });

      test('a hard-linked output is refused', async () => {
        await assertFailedAlone(
          await plant(`os.remove('metrics.json'); os.link('model/signature.json', 'metrics.json')`),
          /hard links/,
        );
      });

      test('a FIFO does not hang the host, and is refused', async () => {
        const started = Date.now();
        const run = await plant(`os.remove('metrics.json'); os.mkfifo('metrics.json')`);
        await assertFailedAlone(run, /FIFO/);
        assert.ok(Date.now() - started < 50_000);
      });

      test('a huge output is refused by its size, not read', async () => {
        await assertFailedAlone(
          await plant(`
with open('metrics.json', 'r+b') as f:
    f.truncate(40 * 1024 * 1024)
`),
          /over the .* limit/,
        );
      });

      test('a link inside the model folder (what the registry would copy and serve) is refused', async () => {
        await assertFailedAlone(
          await plant(`os.symlink('/proc/self/environ', 'model/chart.png')`),
          /model\/chart\.png.*symbolic link/,
        );
      });

      test('the model folder itself as a link to a host folder is refused', async () => {
        await assertFailedAlone(
          await plant(`
import shutil
shutil.rmtree('model')
os.symlink(${JSON.stringify(join(host, 'registry', 'churn'))}, 'model')
`),
          /model.*not a folder|symbolic link/,
        );
      });

      test('a relative link out of the experiment folder (../../) is refused', async () => {
        await assertFailedAlone(
          await plant(`os.remove('metrics.json'); os.symlink('../../../host/.env', 'metrics.json')`),
          /symbolic link/,
        );
      });
    },
  );
}
