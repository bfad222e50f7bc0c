/**
 * Slack as it really behaves (issue 18): the real Bolt and Web API client against the strict fake
 * (test/support/fake-slack.ts). No worker takes the runs: where a test needs a run's story it
 * writes the run's events itself, as a worker would.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ChatBots } from '../cli/bot-command.ts';
import { RedisEventTarget } from '../core/queue/run-event-stream.ts';
import { redisKeys } from '../core/queue/redis-keys.ts';
import { APP_TOKEN, BOT_TOKEN, plain, startFakeSlack, type FakeSlack } from './support/fake-slack.ts';
import { binaryTable } from './support/fixtures.ts';
import { startChatStack, type ChatStack } from './support/chat-stack.ts';

const CHANNEL = 'CPLAT';

describe('Slack as it really behaves', { concurrency: false }, () => {
  let stack: ChatStack;
  let fake: FakeSlack;
  let bots: ChatBots;

  before(async () => {
    fake = await startFakeSlack();
    stack = await startChatStack(
      'slack-strict',
      { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_APP_TOKEN: APP_TOKEN, SLACK_API_URL: fake.apiUrl },
      {
        pacing: { postGapMs: 50, updateGapMs: 200, tickMs: 500 },
        retryConfig: { retries: 1, minTimeout: 100, maxTimeout: 200 },
      },
      { worker: false },
    );
    bots = await stack.startBots();
  });

  after(async () => {
    await bots?.close();
    await stack?.close();
    await fake?.stop();
  });

  const runCount = () => stack.redis.zcard(redisKeys.runs);
  const replies = (ts: string) => fake.thread(CHANNEL, ts);
  const runOf = async (eventId: string): Promise<string> => {
    for (let i = 0; i < 100; i++) {
      const run = await stack.redis.get(redisKeys.idempotency(`slack:${eventId}`));
      if (run !== null) return run;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('no run was queued');
  };

  test('editing the mention does not start a second run', async () => {
    const before = await runCount();
    const file = fake.addFile('churn.csv', binaryTable({ rows: 60 }));
    const { ts, eventId } = await fake.mention({
      channel: CHANNEL,
      user: 'UERIN',
      text: 'predict churn',
      files: [file],
    });
    await runOf(eventId);
    await fake.edit({ channel: CHANNEL, user: 'UERIN', ts, text: 'predict churn please', files: [file] });
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await runCount(), before + 1);
    assert.equal(replies(ts).filter((m) => plain(m).includes('ouro ·')).length, 1);
  });

  test('a Slack Connect file (check_file_info) is looked up with files.info and used', async () => {
    const file = fake.addFile('connect.csv', binaryTable({ rows: 60 }));
    const { ts, eventId } = await fake.mention({
      channel: CHANNEL,
      user: 'UFAY',
      text: 'predict churn',
      files: [fake.eventFile(file, 'connect')],
    });
    await fake.waitFor('the status', () => replies(ts).find((m) => plain(m).includes('connect.csv')), 10_000);
    await runOf(eventId);
    assert.ok(fake.calls.some((c) => c.method === 'files.info' && c.args.file === file.id));
    assert.ok(fake.downloads.some((d) => d.path.includes(file.id) && d.authorized));
  });

  test('hidden, deleted and external files get a specific answer', async () => {
    const cases: ['hidden' | 'deleted' | 'external', RegExp][] = [
      ['hidden', /hidden by this workspace's file limit/],
      ['deleted', /has been deleted/],
      ['external', /link to Google Drive/],
    ];
    for (const [as, expected] of cases) {
      const file = fake.addFile(`${as}.csv`, binaryTable({ rows: 20 }));
      const { ts } = await fake.mention({
        channel: CHANNEL,
        user: 'UGUS',
        text: 'predict churn',
        files: [fake.eventFile(file, as)],
      });
      assert.match(
        plain(await fake.waitFor(`the answer about a ${as} file`, () => replies(ts)[0], 10_000)),
        expected,
      );
    }
  });

  test('the model key goes by DM (conversations.open + chat.postMessage), not an ephemeral lost while the user is away', async () => {
    const file = fake.addFile('keys.csv', binaryTable({ rows: 60 }));
    const { ts, eventId } = await fake.mention({
      channel: CHANNEL,
      user: 'UHAL',
      text: 'predict churn',
      files: [file],
    });
    const run = await runOf(eventId);
    fake.away('UHAL');
    const key = `ouro_${'q'.repeat(32)}`;
    await stack.redis.set(redisKeys.freshKey(run), key, 'EX', 3600);
    const events = new RedisEventTarget(stack.redis, run);
    await events.append({
      runId: run,
      at: new Date().toISOString(),
      type: 'deployed',
      name: 'keys',
      version: 1,
      url: 'http://127.0.0.1:1/v1/models/keys/predict',
    });
    await events.append({
      runId: run,
      at: new Date().toISOString(),
      type: 'failed',
      code: 'internal',
      message: 'stopped here by the test',
    });
    const dm = await fake.waitFor(
      'the DM',
      () => {
        const im = fake.imOf('UHAL');
        return im === undefined
          ? undefined
          : fake.messages.find((m) => m.channel === im && plain(m).includes(key));
      },
      15_000,
    );
    assert.ok(dm);
    assert.ok(
      !fake.messages.some((m) => m.channel === CHANNEL && m.history.some((h) => plain(h).includes(key))),
      'the key was posted in the channel',
    );
    assert.equal(await stack.redis.exists(redisKeys.freshKey(run)), 0);
    // The run ended (failed, here): the person who asked is pinged in the thread.
    await fake.waitFor(
      'the ping',
      () => replies(ts).find((m) => /🔔 <@UHAL>, your run on `keys\.csv` failed/.test(plain(m))),
      10_000,
    );
  });

  test("a steer too long for the run gets a clear answer, within Block Kit's limits (no invalid_blocks, no msg_too_long)", async () => {
    const file = fake.addFile('long.csv', binaryTable({ rows: 60 }));
    const { ts, eventId } = await fake.mention({
      channel: CHANNEL,
      user: 'UKIM',
      text: 'predict churn',
      files: [file],
    });
    await runOf(eventId);
    const since = Date.now();
    await fake.reply({
      channel: CHANNEL,
      user: 'UKIM',
      thread_ts: ts,
      text: `try ${'random forest and then '.repeat(300)}`,
    });
    assert.match(
      plain(
        await fake.waitFor(
          'the answer',
          () => replies(ts).find((m) => /characters; I pass at most 2000/.test(plain(m))),
          10_000,
        ),
      ),
      /Say it in a sentence/,
    );
    await fake.reply({
      channel: CHANNEL,
      user: 'UKIM',
      thread_ts: ts,
      text: `try ${'random forest '.repeat(140)}`,
    });
    await fake.waitFor('the ack', () => replies(ts).find((m) => /Passed to the run/.test(plain(m))), 10_000);
    const refused = fake.calls.filter((c) => c.at >= since && c.error !== undefined);
    assert.deepEqual(
      refused.map((c) => `${c.method}: ${c.error}`),
      [],
    );
  });

  test('"retrain on this" with a table shared in a run\'s thread is a follow-up on that file (one run per thread: refused while one is going)', async () => {
    const { ts, eventId } = await fake.mention({
      channel: CHANNEL,
      user: 'ULEO',
      text: 'predict churn',
      files: [fake.addFile('first.csv', binaryTable({ rows: 60 }))],
    });
    await runOf(eventId);
    const at = fake.nextTs();
    await fake.sendEvent({
      type: 'message',
      subtype: 'file_share',
      channel: CHANNEL,
      user: 'ULEO',
      text: 'retrain on this',
      ts: at,
      thread_ts: ts,
      files: [fake.addFile('second.csv', binaryTable({ rows: 60, seed: 3 }))],
      channel_type: 'channel',
      event_ts: at,
      team: 'T0FAKE',
    });
    assert.match(
      plain(
        await fake.waitFor('the answer', () => replies(ts).find((m) => /still going/.test(plain(m))), 10_000),
      ),
      /A run is still going in this thread.*mention me with the file again/s,
    );
  });

  test('after a Socket Mode refresh (disconnect, refresh_requested) the bot reconnects and still answers a mention', async () => {
    const opened = fake.connectionsOpened;
    fake.refresh();
    await fake.waitFor(
      'a new connection',
      () => fake.connectionsOpened > opened && fake.connected === 1,
      20_000,
    );
    const { ts } = await fake.mention({ channel: CHANNEL, user: 'UJAN', text: 'hello again' });
    assert.match(
      plain(await fake.waitFor('the reply', () => replies(ts)[0], 10_000)),
      /Send me a CSV or TSV file/,
    );
  });

  test('concurrent runs share one chat.update budget (Tier 3 per workspace): no 429s', async () => {
    await bots.close();
    fake.tier3(3, 1000);
    bots = await stack.startBots();
    const started = Date.now();
    try {
      for (let i = 0; i < 5; i++) {
        const file = fake.addFile(`busy${i}.csv`, binaryTable({ rows: 40 }));
        const { eventId } = await fake.mention({
          channel: `CBUSY${i}`,
          user: 'UIVY',
          text: 'predict churn',
          files: [file],
        });
        await runOf(eventId);
      }
      // Each run's status ticks every 500 ms: five runs want ~10 edits a second against a budget of 3.
      await new Promise((r) => setTimeout(r, 5000));
      const updates = fake.calls.filter((c) => c.method === 'chat.update' && c.at >= started);
      assert.ok(updates.length > 0, 'no edits at all');
      assert.deepEqual(
        updates.filter((c) => c.status === 429).length,
        0,
        `${updates.filter((c) => c.status === 429).length} of ${updates.length} edits were rate limited`,
      );
    } finally {
      fake.tier3(1_000_000, 1000);
    }
  });
});

describe('Slack refusals to people outside the channel', { concurrency: false }, () => {
  let stack: ChatStack;
  let fake: FakeSlack;
  let bots: ChatBots;

  before(async () => {
    fake = await startFakeSlack();
    stack = await startChatStack(
      'slack-outsider',
      {
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_APP_TOKEN: APP_TOKEN,
        SLACK_API_URL: fake.apiUrl,
        OURO_ALLOWED_USERS: 'UOK',
      },
      { pacing: { postGapMs: 50, updateGapMs: 200, tickMs: 500 } },
      { worker: false },
    );
    bots = await stack.startBots();
  });

  after(async () => {
    await bots?.close();
    await stack?.close();
    await fake?.stop();
  });

  test('a private refusal Slack rejects (user_not_in_channel) is logged, nothing leaks to the channel, and the bot carries on', async () => {
    fake.leave('UOUT', CHANNEL);
    const refused = await fake.mention({ channel: CHANNEL, user: 'UOUT', text: 'hello' });
    await fake.waitFor(
      'the refused ephemeral',
      () => fake.calls.find((c) => c.method === 'chat.postEphemeral' && c.args.user === 'UOUT'),
      10_000,
    );
    const { ts } = await fake.mention({ channel: CHANNEL, user: 'UOK', text: 'hello' });
    assert.match(
      plain(await fake.waitFor('the reply to an allowed user', () => fake.thread(CHANNEL, ts)[0], 10_000)),
      /Send me a CSV or TSV file/,
    );
    assert.deepEqual(fake.thread(CHANNEL, refused.ts), []);
    assert.deepEqual(
      fake.ephemerals.filter((e) => e.user === 'UOUT'),
      [],
    );
  });
});
