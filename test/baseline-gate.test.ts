import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runPaths } from '../core/run-paths.ts';
import { binaryTable, writeText } from './support/fixtures.ts';
import { parseEvents, runCli } from './support/cli.ts';
import { makeTempDir } from './support/temp-dir.ts';

let dir: { path: string; cleanup: () => Promise<void> };
before(async () => {
  dir = await makeTempDir('gate');
});
after(() => dir.cleanup());

// One experiment: the heuristic brain's first is the baseline, which by construction scores
// exactly the baseline on the holdout, so it is a model that does not beat the baseline.
test('a model no better than the baseline is not deployed (exit 1, why and what was tried); --deploy-anyway deploys it', async () => {
  const file = await writeText(join(dir.path, 'churn.csv'), binaryTable({ rows: 200 }));
  const home = join(dir.path, 'home');
  const args = ['run', file, 'predict churn', '--json', '--no-serve', '--max-experiments', '1', '--budget', '120'];

  const refused = await runCli(args, { OURO_HOME: home }).done;
  assert.equal(refused.code, 1, refused.stderr);
  const events = parseEvents(refused.stdout);
  assert.ok(events.some((e) => e.type === 'validated'), 'the model was validated before the verdict');
  assert.ok(!events.some((e) => e.type === 'finished'), 'nothing was published');
  const failed = events.find((e) => e.type === 'failed');
  assert.ok(failed?.type === 'failed');
  assert.equal(failed.code, 'not_better_than_baseline');
  assert.match(failed.message, /--deploy-anyway/);
  const warned = events.flatMap((e) => (e.type === 'note' && e.level === 'warn' ? [e.message] : []));
  assert.ok(warned.some((m) => /What was tried: n1 baseline/.test(m)), warned.join('\n'));
  const runId = events[0]!.runId;
  const verdict = JSON.parse(await readFile(join(runPaths(home, runId).root, 'not-deployed.json'), 'utf8')) as { why: string; tried: string[] };
  assert.match(verdict.why, /Only the baseline finished/);
  assert.equal(verdict.tried.length, 1);

  const anyway = await runCli([...args, '--deploy-anyway'], { OURO_HOME: home }).done;
  assert.equal(anyway.code, 0, anyway.stderr);
  const finished = parseEvents(anyway.stdout).find((e) => e.type === 'finished');
  assert.ok(finished?.type === 'finished');
  assert.ok(finished.card.findings.some((f) => /Deployed anyway/.test(f)), finished.card.findings.join('\n'));
});
