import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { registerSecrets } from '../core/redact.ts';
import { FakeOpenAI, type RecordedRequest, type FakeReply } from './support/fake-openai.ts';
import { binaryTable, writeText } from './support/fixtures.ts';
import { CANARY } from './support/host-afterwards-suite.ts';
import { ONE_HOT_SCRIPT, runWithLlm, type LlmRun } from './support/llm-scenario.ts';
import { makeTempDir } from './support/temp-dir.ts';
import { dockerSkipReason } from './support/docker-available.ts';

/**
 * The acceptance run of the trust boundary: a scripted LLM (through the fake OpenAI server and
 * the real SDK) writes scripts that plant links for the host to follow. The whole
 * `ouro run --brain llm` must go on: each hostile experiment fails alone (class `contract`),
 * the honest one is validated and published, no host file outside the run changes, and the
 * canary secret reaches neither the LLM provider, nor the events, nor the registry.
 */

const HARNESS = 'from ouro_harness import load_train, cross_validate, save_model, write_metrics';
const honestFit = `${HARNESS}
import os
from sklearn.dummy import DummyClassifier
X, y = load_train()
model = DummyClassifier(strategy="prior")
scores = cross_validate(model, X, y, folds=3)
model.fit(X, y)
save_model(model, X)
write_metrics(scores)
`;

function hostileScripts(host: string): string[] {
  return [
    // n1: metrics.json and stdout.txt point at host files (another team's key, the host's .env).
    `${honestFit}
os.remove('metrics.json')
os.symlink(${JSON.stringify(join(host, '.env'))}, 'metrics.json')
os.symlink(${JSON.stringify(join(host, 'registry', 'churn', 'key.json'))}, 'stdout.txt')
`,
    // n2: its own train.py (read back for the diagnosis prompt) and metrics.json point at secrets.
    `${honestFit}
os.remove('train.py')
os.symlink(${JSON.stringify(join(host, '.env'))}, 'train.py')
os.remove('metrics.json')
os.symlink('/proc/self/environ', 'metrics.json')
`,
    // n3: a model folder the registry would copy and serve, with a link to the environment in it.
    `${honestFit}
os.symlink('/proc/self/environ', 'model/chart.png')
`,
  ];
}

const plan = {
  json: {
    confirmed: true,
    concern: null,
    families: [{ family: 'linear', why: 'a small table' }],
    dropColumns: [],
  },
};
const step = (operator: string, parent: string | null, family: string, why: string) => ({
  json: { action: 'experiment', why, operator, parent, family, hypothesis: why, members: [], strategy: null },
});
const stop = {
  json: {
    action: 'stop',
    why: 'the honest model is good enough',
    operator: null,
    parent: null,
    family: null,
    hypothesis: null,
    members: [],
    strategy: null,
  },
};

function responder(host: string): (req: RecordedRequest) => FakeReply {
  const seen: Record<string, number> = {};
  const scripts = [...hostileScripts(host), ONE_HOT_SCRIPT];
  return (req) => {
    const d = req.decision ?? '?';
    const i = (seen[d] = (seen[d] ?? 0) + 1) - 1;
    switch (d) {
      case 'plan':
        return plan;
      case 'next':
        return (
          [
            step('draft', null, 'linear', 'a first model'),
            step('fix', 'n1', 'linear', 'repair n1'),
            step('fix', 'n2', 'linear', 'repair n2'),
            step('draft', null, 'random_forest', 'an honest model at last'),
          ][i] ?? stop
        );
      case 'script':
        return { json: { script: scripts[i] ?? ONE_HOT_SCRIPT, params: [] } };
      case 'diagnose':
        return { json: { fix: 'write regular files only', column: null, crashClass: null } };
      default:
        return { status: 400, message: `unexpected request ${d}` };
    }
  };
}

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir, { recursive: true })).sort()) {
    const p = join(dir, name);
    const st = await lstat(p);
    if (!st.isDirectory())
      out[name] = st.isFile()
        ? createHash('sha256')
            .update(await readFile(p))
            .digest('hex')
        : 'special';
  }
  return out;
}

/** Every regular file under `dir` (links reported, never followed). */
async function filesUnder(dir: string): Promise<{ path: string; link: boolean }[]> {
  const out: { path: string; link: boolean }[] = [];
  for (const name of await readdir(dir, { recursive: true })) {
    const st = await lstat(join(dir, name));
    if (!st.isDirectory()) out.push({ path: join(dir, name), link: st.isSymbolicLink() });
  }
  return out;
}

for (const sandbox of ['process', 'docker'] as const) {
  const skip = sandbox === 'docker' ? dockerSkipReason() : null;
  describe(
    `a scripted LLM that plants links runs to the end (${sandbox} driver)`,
    { skip: skip ?? false },
    () => {
      let dir: { path: string; cleanup: () => Promise<void> };
      let host: string;
      let run: LlmRun;
      let fake: FakeOpenAI;
      let before_: Record<string, string>;

      before(async () => {
        registerSecrets([CANARY]);
        dir = await makeTempDir(`hostile-llm-${sandbox}`);
        host = join(dir.path, 'host');
        await mkdir(join(host, 'registry', 'churn'), { recursive: true });
        await writeFile(
          join(host, '.env'),
          `OURO_INTERNAL_TOKEN=${CANARY}\nAWS_SECRET_ACCESS_KEY=${CANARY}\n`,
          { mode: 0o644 },
        );
        await writeFile(join(host, 'registry', 'churn', 'key.json'), '{"hash":"the-owners-key-hash"}\n');
        before_ = await snapshot(host);
        const csv = await writeText(join(dir.path, 'churn.csv'), binaryTable());
        fake = new FakeOpenAI({ respond: responder(host) });
        run = await runWithLlm({
          home: join(dir.path, 'home'),
          file: csv,
          goal: 'predict churn',
          server: await fake.start(),
          options: { maxExperiments: 6 },
          env: { OURO_SANDBOX: sandbox, OURO_CANARY_TOKEN: CANARY },
        });
      });
      after(async () => {
        await fake.close();
        await dir.cleanup();
      });

      test('the run completes with the honest model; each hostile experiment failed alone as a contract breach', () => {
        assert.equal(run.outcome.status, 'succeeded', run.outcome.error?.message);
        const nodes = run.outcome.journal.nodes;
        const failed = nodes.filter((n) => n.status === 'failed');
        assert.deepEqual(
          failed.map((n) => n.id),
          ['n1', 'n2', 'n3'],
        );
        for (const n of failed)
          assert.equal(n.diagnosis?.class, 'contract', `${n.id}: ${JSON.stringify(n.diagnosis)}`);
        assert.match(failed[0]!.diagnosis!.evidence, /metrics\.json.*symbolic link/);
        assert.match(failed[2]!.diagnosis!.evidence, /model\/chart\.png/);
        assert.equal(run.outcome.journal.bestNodeId, 'n4');
        assert.ok(run.outcome.card !== null);
      });

      test('no host file outside the run changed', async () => {
        assert.deepEqual(await snapshot(host), before_);
      });

      test('the canary secret reached neither the LLM provider, nor the events, nor the registry', async () => {
        assert.ok(fake.forDecision('diagnose').length >= 3, 'each hostile experiment was diagnosed');
        const sent = JSON.stringify(fake.requests.map((r) => r.body));
        assert.doesNotMatch(sent, new RegExp(CANARY));
        assert.doesNotMatch(sent, /OURO_INTERNAL_TOKEN=|AWS_SECRET_ACCESS_KEY=/);
        const events = await readFile(join(run.root, 'events.jsonl'), 'utf8');
        assert.doesNotMatch(events, new RegExp(CANARY));
        assert.doesNotMatch(JSON.stringify(run.events), /OURO_INTERNAL_TOKEN=/);
        const registry = join(run.config.OURO_HOME, 'registry');
        for (const f of await filesUnder(registry)) {
          assert.equal(f.link, false, `${f.path} is a link`);
          assert.doesNotMatch(await readFile(f.path, 'latin1'), new RegExp(CANARY), f.path);
        }
      });
    },
  );
}
