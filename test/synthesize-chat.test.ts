/**
 * Synthetic data end to end in chat (docs/architecture.md, "Synthetic data"): a mention with a
 * CSV asking for rows to share gets, in its thread, the synthetic file, the data card and the
 * real-vs-synthetic chart — on the real @slack/bolt and discord.js against the local fakes, a
 * real redis-server and an in-process worker running the real sandboxed generators and judge.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ChatBots } from '../cli/bot-command.ts';
import { REPO_ROOT } from './support/cli.ts';
import { startChatStack, type ChatStack } from './support/chat-stack.ts';
import { DISCORD_TOKEN, plainDiscord, startFakeDiscord, type FakeDiscord } from './support/fake-discord.ts';
import { APP_TOKEN, BOT_TOKEN, plain, startFakeSlack, type FakeSlack } from './support/fake-slack.ts';

const GOAL = 'make 300 synthetic rows like this I can share with the vendor, budget 30s';

async function pima(rows: number): Promise<string> {
  const lines = (await readFile(join(REPO_ROOT, 'examples', 'pima_diabetes.csv'), 'utf8')).trim().split('\n');
  return `${lines.slice(0, rows + 1).join('\n')}\n`;
}

/** The delivered CSV: the real header, the asked-for rows (less any dropped copies), no real row. */
function checkCsv(bytes: Buffer, real: string): void {
  const lines = bytes.toString('utf8').trim().split('\n');
  assert.equal(lines[0], 'pregnant,glucose,pressure,triceps,insulin,mass,pedigree,age,diabetes');
  assert.ok(lines.length - 1 > 250 && lines.length - 1 <= 300, `${lines.length - 1} rows`);
  const seen = new Set(
    real
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.replace(/"/g, '')),
  );
  assert.equal(lines.slice(1).filter((l) => seen.has(l.replace(/"/g, ''))).length, 0);
}

describe('synthetic data in Slack', { concurrency: false }, () => {
  let stack: ChatStack;
  let fake: FakeSlack;
  let bots: ChatBots;
  before(async () => {
    fake = await startFakeSlack();
    stack = await startChatStack(
      'synth-slack',
      {
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_APP_TOKEN: APP_TOKEN,
        SLACK_API_URL: fake.apiUrl,
        OURO_ALLOWED_CHANNELS: 'CDATA',
      },
      { pacing: { postGapMs: 100, updateGapMs: 300, tickMs: 1000 } },
    );
    bots = await stack.startBots();
  });
  after(async () => {
    await bots?.close();
    await stack?.close();
    await fake?.stop();
  });

  test('a CSV and "rows I can share" get the file, the data card and the chart in the thread', async () => {
    const csv = await pima(300);
    const { ts } = await fake.mention({
      channel: 'CDATA',
      user: 'UALICE',
      text: GOAL,
      files: [fake.addFile('patients.csv', csv)],
    });
    const file = await fake.waitFor(
      'the synthetic file',
      () => fake.uploads.find((u) => u.thread_ts === ts && u.filename.endsWith('.csv')),
      240_000,
    );
    checkCsv(file.bytes, csv);
    const card = await fake.waitFor(
      'the data card',
      () =>
        fake
          .thread('CDATA', ts)
          .find(
            (m) => /Synthetic data: patients-synthetic\.csv/.test(plain(m)) && /generator/.test(plain(m)),
          ),
      30_000,
    );
    const text = plain(card);
    assert.match(text, /shareable stand-in/);
    assert.match(text, /trained on synthetic vs \d\.\d+ on real/);
    assert.match(text, /exact copies of real rows: \d+ dropped, 0 left/);
    assert.match(text, /not differential privacy/);
    assert.match(text, /The file is attached/);
    const chart = await fake.waitFor(
      'the chart',
      () => fake.uploads.find((u) => u.thread_ts === ts && u.filename.endsWith('.png')),
      30_000,
    );
    assert.deepEqual([...chart.bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    await fake.waitFor(
      'the ping',
      () =>
        fake
          .thread('CDATA', ts)
          .find((m) => /<@UALICE>, your synthetic data from `patients\.csv` is ready/.test(plain(m))),
      30_000,
    );
  });
});

describe('synthetic data in Discord', { concurrency: false }, () => {
  const CHANNEL = '700000000000000001';
  let stack: ChatStack;
  let fake: FakeDiscord;
  let bots: ChatBots;
  before(async () => {
    fake = await startFakeDiscord([CHANNEL]);
    stack = await startChatStack(
      'synth-discord',
      { DISCORD_TOKEN, DISCORD_API_URL: fake.apiUrl, OURO_DISCORD_ALLOWED_CHANNELS: CHANNEL },
      { pacing: { postGapMs: 100, updateGapMs: 300, tickMs: 1000 } },
    );
    bots = await stack.startBots();
  });
  after(async () => {
    await bots?.close();
    await stack?.close();
    await fake?.stop();
  });

  test('a CSV and "rows I can share" get the file, the data card and the chart in the thread', async () => {
    const csv = await pima(300);
    const { id } = fake.message({
      channel: CHANNEL,
      user: '600000000000000011',
      text: GOAL,
      mention: true,
      attachments: [fake.addFile('patients.csv', csv)],
    });
    const thread = await fake.waitFor('the thread', () => fake.threadOf(id), 5000);
    const inThread = () => fake.inChannel(thread);
    const file = await fake.waitFor(
      'the synthetic file',
      () =>
        inThread()
          .flatMap((m) => m.files)
          .find((f) => f.name.endsWith('.csv')),
      240_000,
    );
    checkCsv(file.data, csv);
    const card = await fake.waitFor(
      'the data card',
      () =>
        inThread().find(
          (m) =>
            /Synthetic data: patients-synthetic\.csv/.test(plainDiscord(m)) &&
            /generator/.test(plainDiscord(m)),
        ),
      30_000,
    );
    assert.match(plainDiscord(card), /exact copies of real rows: \d+ dropped, 0 left/);
    assert.match(plainDiscord(card), /not differential privacy/);
    const chart = await fake.waitFor(
      'the chart',
      () =>
        inThread()
          .flatMap((m) => m.files)
          .find((f) => f.name.endsWith('.png')),
      30_000,
    );
    assert.deepEqual([...chart.data.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  });
});
