/**
 * Analysis reports in chat, end to end (docs/architecture.md, "Analysis reports"): on the fake
 * Slack and the fake Discord, a question with a CSV gets the answer with its numbers, charts in
 * the thread and a report link that answers; a question in the thread of a finished run gets
 * a report from the same data, without the file being sent again. Real worker, real sandbox.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ChatBots } from '../../cli/bot-command.ts';
import { churnCsv } from '../../bench/analysis-data.ts';
import { APP_TOKEN, BOT_TOKEN, plain, startFakeSlack, type FakeSlack } from '../support/fake-slack.ts';
import { DISCORD_TOKEN, plainDiscord, startFakeDiscord, type FakeDiscord } from '../support/fake-discord.ts';
import { startChatStack, type ChatStack } from '../support/chat-stack.ts';

const ANSWER = /month-to-month: churn = yes rate 43\.0%/;

async function linkAnswers(text: string, base: string): Promise<void> {
  const url = new RegExp(`${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/reports/[A-Za-z0-9_-]+`).exec(
    text,
  )?.[0];
  assert.ok(url, `no report link in: ${text}`);
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.match(await res.text(), /<h2>Answer<\/h2>/);
}

describe('analysis reports on Slack', { concurrency: false }, () => {
  const CHANNEL = 'CREPORT';
  let stack: ChatStack;
  let fake: FakeSlack;
  let bots: ChatBots;
  before(async () => {
    fake = await startFakeSlack();
    stack = await startChatStack(
      'chat-report-slack',
      { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_APP_TOKEN: APP_TOKEN, SLACK_API_URL: fake.apiUrl },
      { pacing: { postGapMs: 100, updateGapMs: 400, tickMs: 2000 } },
    );
    bots = await stack.startBots();
  });
  after(async () => {
    await bots?.close();
    await stack?.close();
    await fake?.stop();
  });

  test('a question with a CSV: the answer with its numbers, charts, a link that answers', async () => {
    const file = fake.addFile('customers.csv', churnCsv());
    const { ts } = await fake.mention({
      channel: CHANNEL,
      user: 'UANA',
      text: 'churn rate by contract?',
      files: [file],
    });
    const thread = () => fake.thread(CHANNEL, ts);
    const answer = await fake.waitFor(
      'the answer',
      () => {
        if (thread().some((m) => /The run failed/.test(plain(m))))
          throw new Error(thread().map(plain).join('\n---\n'));
        return thread().find((m) => /Answer/.test(plain(m)) && ANSWER.test(plain(m)));
      },
      240_000,
    );
    assert.match(plain(answer), /Top findings/);
    await linkAnswers(plain(answer), stack.server.url);
    const ping = await fake.waitFor(
      'the ping',
      () => thread().find((m) => /🔔 <@UANA>, your question/.test(plain(m))),
      30_000,
    );
    assert.ok(ping);
    const charts = fake.uploads.filter((u) => u.thread_ts === ts && u.filename.endsWith('.png'));
    assert.ok(charts.length >= 1 && charts.length <= 3, `${charts.length} charts`);
    assert.equal(charts[0]!.bytes.subarray(1, 4).toString(), 'PNG');
  });

  test('a question in the thread of a finished model run gets a report from the same data', async () => {
    const file = fake.addFile('churners.csv', churnCsv(9));
    const { ts } = await fake.mention({
      channel: CHANNEL,
      user: 'UMOD',
      text: 'predict churn, max 1 experiments, budget 2m',
      files: [file],
    });
    const thread = () => fake.thread(CHANNEL, ts);
    await fake.waitFor(
      'the end of the model run',
      () => {
        if (thread().some((m) => /The run failed/.test(plain(m))))
          throw new Error(thread().map(plain).join('\n---\n'));
        return thread().find((m) => /🔔 <@UMOD>, your run on `churners\.csv` finished/.test(plain(m)));
      },
      240_000,
    );
    const uploadsBefore = fake.uploads.length;
    await fake.reply({
      channel: CHANNEL,
      user: 'UMOD',
      thread_ts: ts,
      text: 'what is the churn rate by contract?',
    });
    const answer = await fake
      .waitFor(
        'the report in the model thread',
        () => thread().find((m) => /Answer/.test(plain(m)) && /churn = yes rate/.test(plain(m))),
        240_000,
      )
      .catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${thread().map(plain).join('\n---\n')}`);
      });
    await linkAnswers(plain(answer), stack.server.url);
    // The charts follow the answer.
    await fake.waitFor('a chart for the follow-up', () => fake.uploads.length > uploadsBefore, 30_000);
  });
});

describe('analysis reports on Discord', { concurrency: false }, () => {
  const CHANNEL = '710000000000000001';
  let stack: ChatStack;
  let fake: FakeDiscord;
  let bots: ChatBots;
  before(async () => {
    fake = await startFakeDiscord([CHANNEL]);
    stack = await startChatStack(
      'chat-report-discord',
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

  test('a question with a CSV gets the answer, charts and a link; a follow-up in the thread gets another report', async () => {
    const user = '600000000000000021';
    const { id } = fake.message({
      channel: CHANNEL,
      user,
      text: 'churn rate by contract?',
      mention: true,
      attachments: [fake.addFile('customers.csv', churnCsv())],
    });
    const thread = await fake.waitFor('the thread', () => fake.threadOf(id), 10_000);
    const inThread = () => fake.inChannel(thread);
    const answer = await fake.waitFor(
      'the answer',
      () => {
        if (inThread().some((m) => /The run failed/.test(plainDiscord(m))))
          throw new Error(inThread().map(plainDiscord).join('\n---\n'));
        return inThread().find((m) => ANSWER.test(plainDiscord(m)));
      },
      240_000,
    );
    await linkAnswers(plainDiscord(answer), stack.server.url);
    await fake.waitFor(
      'a chart',
      () => inThread().find((m) => m.files.some((f) => f.name.endsWith('.png'))),
      30_000,
    );
    await fake.waitFor(
      'the ping',
      () => inThread().find((m) => /your question about `customers\.csv` is answered/.test(plainDiscord(m))),
      30_000,
    );
    const downloads = fake.downloads.length;
    fake.message({ channel: thread, user, text: 'what drives churn?', mention: true });
    await fake
      .waitFor(
        'the second report',
        () =>
          inThread().find((m) => /Answer/.test(plainDiscord(m)) && /strongest driver/.test(plainDiscord(m))),
        240_000,
      )
      .catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${inThread().map(plainDiscord).join('\n---\n')}`);
      });
    assert.equal(fake.downloads.length, downloads, 'the follow-up fetched the file again');
  });
});
