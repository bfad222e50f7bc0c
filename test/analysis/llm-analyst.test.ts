/**
 * The LLM analyst against the fake OpenAI server, real sandbox (docs/architecture.md,
 * "Analysis reports"): a free-form question gets scripts written by the model; the one that
 * crashes is diagnosed with the crash taxonomy and fixed from its traceback; a narrative that
 * invents a number is caught by the number checker and the sentence does not reach the report.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { churnCsv } from '../../bench/analysis-data.ts';
import type { RunEvent } from '../../core/schemas/events.ts';
import { parseEvents, runCli } from '../support/cli.ts';
import { FakeOpenAI, type RecordedRequest } from '../support/fake-openai.ts';
import { makeTempDir } from '../support/temp-dir.ts';

const CRASHING = `from ouro_harness.analysis import load_data, Findings, pct
data = load_data(max_rows=100_000, seed=42)
f = Findings('a2', 'How customers pay')
f.data(data)
share = data.df['payment_method'].eq('card').mean()   # no such column: the table calls it "payment"
f.write()
`;
const FIXED = `from ouro_harness.analysis import load_data, Findings, pct
data = load_data(max_rows=100_000, seed=42)
f = Findings('a2', 'How customers pay')
f.data(data)
share = data.df['payment'].eq('card').mean()
n = int(data.df['payment'].notna().sum())
f.claim('summary', f'{pct(share)} of customers pay by card (n = {n:,}).', {'share': share, 'n': n}, subject='payment', n=n, method='count')
f.write()
`;

let dir: { path: string; cleanup: () => Promise<void> };
const llm = new FakeOpenAI({ respond });
let events: RunEvent[] = [];
let stdout = '';

function respond(req: RecordedRequest) {
  const user = req.body.messages.at(-1)!.content;
  if (req.decision === 'analysis' && /This analysis script failed/.test(user))
    return { json: { script: FIXED } };
  if (req.decision === 'analysis')
    return {
      json: {
        analyses: [
          {
            id: 'a2',
            title: 'How customers pay',
            why: 'the question is open; payment is a column worth a look',
            script: CRASHING,
          },
        ],
      },
    };
  if (req.decision === 'narrative') {
    const share = /\[a2\.c1\] ([\d.]+%) of customers pay by card/.exec(user)?.[1] ?? '??';
    return {
      json: {
        answer: `${share} of customers pay by card [a2.c1]. Card payers churn 37.5% less than others.`,
        discussion: '',
      },
    };
  }
  return { status: 400, message: `unexpected decision ${req.decision}` };
}

before(async () => {
  dir = await makeTempDir('llm-analysis');
  await writeFile(join(dir.path, 'customers.csv'), churnCsv());
  const base = await llm.start();
  const out = await runCli(
    [
      'analyze',
      join(dir.path, 'customers.csv'),
      'anything interesting in here?',
      '--json',
      '--no-serve',
      '--brain',
      'llm',
    ],
    {
      OURO_HOME: join(dir.path, 'home'),
      OPENAI_BASE_URL: base,
      OPENAI_API_KEY: 'sk-test-analysis',
      ...(process.env.OURO_PYTHON ? { OURO_PYTHON: process.env.OURO_PYTHON } : {}),
    },
  ).done;
  stdout = out.stdout + out.stderr;
  assert.equal(out.code, 0, stdout);
  events = parseEvents(out.stdout);
});
after(async () => {
  await llm.close();
  await dir.cleanup();
});

test('a crashing analysis script is diagnosed (schema, the missing column) and fixed from its traceback', async () => {
  const failed = events.find((e) => e.type === 'note' && /^a2 failed/.test(e.message));
  assert.ok(failed, stdout);
  assert.match((failed as { message: string }).message, /diagnosis: schema/);
  const fix = llm.requests.find(
    (r) => r.decision === 'analysis' && /This analysis script failed/.test(r.body.messages.at(-1)!.content),
  );
  assert.ok(fix, 'no fix was asked');
  assert.match(fix.body.messages.at(-1)!.content, /KeyError: 'payment_method'/);
  const published = events.at(-1) as Extract<RunEvent, { type: 'report.published' }>;
  assert.equal(published.type, 'report.published');
  const ledger = JSON.parse(await readFile(published.findings, 'utf8')) as {
    analyses: { id: string; claims: { text: string }[] }[];
  };
  const a2 = ledger.analyses.find((a) => a.id === 'a2');
  assert.ok(a2 && a2.claims.length === 1, 'the fixed script did not reach the ledger');
  assert.equal(await readFile(join(published.path, 'analyses', 'a2', 'analysis.py'), 'utf8'), FIXED);
});

test('a number the LLM wrote that is in no finding is caught; the report keeps only backed sentences', async () => {
  const published = events.at(-1) as Extract<RunEvent, { type: 'report.published' }>;
  const caught = events.find((e) => e.type === 'note' && /^Number check/.test(e.message));
  assert.ok(caught, stdout);
  assert.match((caught as { message: string }).message, /37\.5%/);
  assert.doesNotMatch(published.answer, /37\.5/);
  assert.match(published.answer, /^\d+\.\d% of customers pay by card/);
  const md = await readFile(join(published.path, 'report.md'), 'utf8');
  assert.doesNotMatch(md, /37\.5/);
  assert.match(md, /pay by card.*\[a2\.c1\]\(#a2\.c1\)/);
});
