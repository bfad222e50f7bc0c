import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runPaths } from '../core/run-paths.ts';
import { JournalSchema } from '../core/schemas/journal.ts';
import { readJson } from '../core/store/json-file.ts';
import { binaryTable, writeText } from './support/fixtures.ts';
import { parseEvents, runCli } from './support/cli.ts';
import { makeTempDir } from './support/temp-dir.ts';

let dir: { path: string; cleanup: () => Promise<void> };
before(async () => {
  dir = await makeTempDir('resume');
});
after(() => dir.cleanup());

test('a run killed with SIGKILL resumes without repeating finished experiments', async () => {
  const file = await writeText(join(dir.path, 'data.csv'), binaryTable({ rows: 400 }));
  const home = join(dir.path, 'home');
  let finished = 0;
  let killed = false;
  const first = runCli(
    ['run', file, 'predict churn', '--json', '--max-experiments', '5', '--budget', '300', '--no-serve'],
    { OURO_HOME: home },
    {
      onStdout: (chunk) => {
        finished += (chunk.match(/"type":"experiment\.finished"/g) ?? []).length;
        if (finished >= 2 && !killed) {
          killed = true;
          first.kill('SIGKILL');
        }
      },
    },
  );
  const out1 = await first.done;
  assert.equal(out1.signal, 'SIGKILL', 'the first process should have been killed mid-run');
  const accepted = parseEvents(
    out1.stdout
      .split('\n')
      .filter((l) => l.endsWith('}'))
      .join('\n'),
  ).find((e) => e.type === 'accepted');
  assert.ok(accepted);
  const runId = accepted.runId;
  const before = await readJson(runPaths(home, runId).journal, JournalSchema);
  const done = before.nodes.filter((n) => n.status !== 'running');
  assert.ok(
    done.length >= 2,
    `expected at least two finished experiments before the kill, got ${done.length}`,
  );

  const out2 = await runCli(['run', '--resume', runId, '--json', '--no-serve'], { OURO_HOME: home }).done;
  assert.equal(out2.code, 0, out2.stderr);
  const events = parseEvents(out2.stdout);
  const restarted = events
    .filter((e) => e.type === 'experiment.started')
    .map((e) => (e.type === 'experiment.started' ? e.node : ''));
  for (const n of done) assert.ok(!restarted.includes(n.id), `${n.id} was run again`);
  const after = await readJson(runPaths(home, runId).journal, JournalSchema);
  for (const n of done) {
    const same = after.nodes.find((m) => m.id === n.id);
    assert.deepEqual(same, n, `${n.id} changed on resume`);
  }
  assert.equal(after.status, 'succeeded');
  assert.ok(after.nodes.length > done.length, 'the resumed run should continue with new experiments');
  assert.ok(events.some((e) => e.type === 'finished'));
});
