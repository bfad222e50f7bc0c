/**
 * Discord as it really behaves (issue 18): the real discord.js 14 against the strict fake
 * (test/support/fake-discord.ts). No worker takes the runs: where a test needs a run's story it
 * writes the run's events itself, as a worker would.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startChatBots, type ChatBots } from '../cli/bot-command.ts';
import { loadConfig } from '../core/config.ts';
import { RedisEventTarget } from '../core/queue/run-event-stream.ts';
import { redisKeys } from '../core/queue/redis-keys.ts';
import { DiscordBot } from '../bot/discord/discord-bot.ts';
import { RunQueue } from '../core/queue/run-queue.ts';
import { createArtifactStore } from '../core/store/create-store.ts';
import type { PredictionClient } from '../bot/predict/prediction-client.ts';
import { DISCORD_TOKEN, plainDiscord, startFakeDiscord, type FakeDiscord } from './support/fake-discord.ts';
import { APP_TOKEN, BOT_TOKEN, plain, startFakeSlack, type FakeSlack } from './support/fake-slack.ts';
import { binaryTable } from './support/fixtures.ts';
import { logger, startChatStack, type ChatStack } from './support/chat-stack.ts';

const CHANNEL = '700000000000000101';
const PACING = { postGapMs: 50, updateGapMs: 200, tickMs: 1000 };

describe('Discord as it really behaves', { concurrency: false }, () => {
  let stack: ChatStack;
  let fake: FakeDiscord;
  let bots: ChatBots;

  before(async () => {
    fake = await startFakeDiscord([CHANNEL]);
    stack = await startChatStack(
      'discord-strict',
      { DISCORD_TOKEN, DISCORD_API_URL: fake.apiUrl },
      { pacing: PACING },
      { worker: false },
    );
    bots = await stack.startBots();
  });

  after(async () => {
    await bots?.close();
    await stack?.close();
    await fake?.stop();
  });

  /** The run a message started (polls: the bot queues it after the download). */
  const runOf = async (messageId: string): Promise<string> => {
    for (let i = 0; i < 100; i++) {
      const run = await stack.redis.get(redisKeys.idempotency(`discord:${messageId}`));
      if (run !== null) return run;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('no run was queued');
  };

  test("a mention of the bot's managed role counts as a mention", async () => {
    fake.message({ channel: CHANNEL, user: '600000000000000201', text: 'hello', mentionRole: true });
    await fake.waitFor('the help', () =>
      fake.inChannel(CHANNEL).find((m) => /Send me a CSV or TSV file/.test(plainDiscord(m))),
    );
  });

  test('a mention with a CSV inside a thread runs in that thread (no thread of a thread)', async () => {
    const thread = fake.userThread(CHANNEL, 'our churn work');
    await new Promise((r) => setTimeout(r, 300));
    const { id } = fake.message({
      channel: thread,
      user: '600000000000000202',
      text: 'predict churn',
      mention: true,
      attachments: [fake.addFile('churn.csv', binaryTable({ rows: 60 }))],
    });
    const status = await fake.waitFor(
      'the status in the thread',
      () => fake.inChannel(thread).find((m) => plainDiscord(m).includes('ouro ·')),
      10_000,
    );
    assert.match(plainDiscord(status), /predict churn/);
    await runOf(id).catch((err: unknown) => {
      throw new Error(
        `${(err as Error).message}: ${fake
          .inChannel(thread)
          .map((m) => m.history.map(plainDiscord).join(' / '))
          .join('\n')}`,
      );
    });
  });

  test('without Create Public Threads (50013) the channel hears why and nothing starts', async () => {
    fake.threadsAllowed = false;
    try {
      const { id } = fake.message({
        channel: CHANNEL,
        user: '600000000000000203',
        text: 'predict churn',
        mention: true,
        attachments: [fake.addFile('churn.csv', binaryTable({ rows: 60 }))],
      });
      const said = await fake.waitFor(
        'the answer in the channel',
        () => fake.inChannel(CHANNEL).find((m) => /could not open a thread/.test(plainDiscord(m))),
        10_000,
      );
      assert.match(plainDiscord(said), /Create Public Threads/);
      assert.equal(await stack.redis.get(redisKeys.idempotency(`discord:${id}`)), null);
    } finally {
      fake.threadsAllowed = true;
    }
  });

  test('a key whose DM fails (50007) is held: the thread says how to collect it, /predict gives it once, privately', async () => {
    const user = '600000000000000204';
    const { id } = fake.message({
      channel: CHANNEL,
      user,
      text: 'predict churn',
      mention: true,
      attachments: [fake.addFile('churn.csv', binaryTable({ rows: 60 }))],
    });
    const thread = await fake.waitFor('the thread', () => fake.threadOf(id), 10_000);
    const run = await runOf(id);
    fake.closedDms.add(user);
    const key = `ouro_${'k'.repeat(32)}`;
    await stack.redis.set(redisKeys.freshKey(run), key, 'EX', 3600);
    const events = new RedisEventTarget(stack.redis, run);
    await events.append({
      runId: run,
      at: new Date().toISOString(),
      type: 'deployed',
      name: 'churn',
      version: 1,
      url: 'http://127.0.0.1:1/v1/models/churn/predict',
    });
    await events.append({
      runId: run,
      at: new Date().toISOString(),
      type: 'failed',
      code: 'internal',
      message: 'stopped here by the test',
    });
    const note = await fake.waitFor(
      'the note in the thread',
      () => fake.inChannel(thread).find((m) => /could not send you the key/.test(plainDiscord(m))),
      15_000,
    );
    assert.match(plainDiscord(note), /servers? members are off|direct messages from server members are off/);
    assert.match(plainDiscord(note), /\/predict model:churn input:key/);
    assert.ok(
      !fake.messages.some((m) => m.history.some((h) => plainDiscord(h).includes(key))),
      'the key was posted',
    );

    const other = fake.interaction({
      name: 'predict',
      channel: CHANNEL,
      user: '600000000000000999',
      options: [
        { name: 'model', type: 3, value: 'churn' },
        { name: 'input', type: 3, value: 'key' },
      ],
    });
    assert.match(
      plainDiscord(await fake.waitFor('the refusal', () => other.reply.message, 10_000)),
      /Only the person who asked/,
    );
    const mine = fake.interaction({
      name: 'predict',
      channel: CHANNEL,
      user,
      options: [
        { name: 'model', type: 3, value: 'churn' },
        { name: 'input', type: 3, value: 'key' },
        { name: 'share', type: 5, value: true },
      ],
    });
    const got = await fake.waitFor(
      'the key',
      () => mine.reply.message && plainDiscord(mine.reply.message).includes('ouro_') && mine.reply.message,
      10_000,
    );
    assert.ok(plainDiscord(got).includes(key));
    assert.equal(mine.reply.flags, 64, 'the key was not ephemeral');
    const again = fake.interaction({
      name: 'predict',
      channel: CHANNEL,
      user,
      options: [
        { name: 'model', type: 3, value: 'churn' },
        { name: 'input', type: 3, value: 'key' },
      ],
    });
    assert.match(
      plainDiscord(await fake.waitFor('gone', () => again.reply.message, 10_000)),
      /No key is waiting/,
    );
  });

  test('`/predict file:` defers at once (a file answer can miss the 3 s deadline)', async () => {
    const batch = fake.addFile('rows.csv', 'a,b\n1,2\n');
    const i = fake.interaction({
      name: 'predict',
      channel: CHANNEL,
      user: '600000000000000205',
      options: [
        { name: 'model', type: 3, value: 'nope' },
        { name: 'file', type: 11, value: batch.id },
      ],
      attachments: [batch],
    });
    await fake
      .waitFor('an answer', () => i.reply.message?.content || undefined, 40_000)
      .catch((err: unknown) => {
        throw new Error(
          `${(err as Error).message}: ${JSON.stringify({ reply: i.reply, errors: fake.errors })}`,
        );
      });
    assert.equal(i.reply.callbacks[0], 5);
  });

  test('autocomplete answers within its 3 s even when listing the models is slow, then from the cache', async () => {
    await bots.close();
    const slow = {
      list: () => new Promise((r) => setTimeout(() => r([{ name: 'churn', version: 1, card: null }]), 4000)),
    } as unknown as PredictionClient;
    const queue = new RunQueue(stack.redis, stack.config.REDIS_URL!, stack.config.OURO_QUEUE_NAME);
    const bot = new DiscordBot({
      config: stack.config,
      logger,
      redis: stack.redis,
      queue,
      store: await createArtifactStore(stack.config),
      predictions: slow,
      pacing: PACING,
    });
    await bot.start();
    try {
      const first = fake.interaction({
        name: 'predict',
        channel: CHANNEL,
        user: '600000000000000206',
        type: 4,
        options: [{ name: 'model', type: 3, value: 'ch', focused: true }],
      });
      await fake.waitFor('the first answer', () => first.reply.choices, 6000);
      assert.ok(!fake.errors.some((e) => e.code === 10062), 'the autocomplete missed its deadline (10062)');
      await new Promise((r) => setTimeout(r, 3000));
      const second = fake.interaction({
        name: 'predict',
        channel: CHANNEL,
        user: '600000000000000206',
        type: 4,
        options: [{ name: 'model', type: 3, value: 'ch', focused: true }],
      });
      const choices = await fake.waitFor('the cached answer', () => second.reply.choices, 3000);
      assert.deepEqual(
        choices.map((c) => c.value),
        ['churn'],
      );
    } finally {
      await bot.stop();
      await queue.close();
      bots = await stack.startBots();
    }
  });

  test('the gateway: a heartbeat it asks for is answered at once, with the last sequence', async () => {
    const before = fake.heartbeats.length;
    const asked = Date.now();
    fake.requestHeartbeat();
    const beat = await fake.waitFor('the heartbeat', () => fake.heartbeats[before], 2000);
    assert.ok(beat.at - asked < 1000);
    assert.ok(beat.seq !== null && beat.seq > 0 && beat.seq <= fake.lastSeq, `heartbeat carried ${beat.seq}`);
  });

  test('after RECONNECT (op 7) the bot resumes its session, gets what it missed, and still answers a mention', async () => {
    const resumes = fake.resumes;
    const identifies = fake.identifies;
    fake.reconnect();
    // Sent while the client is reconnecting: replayed on RESUME.
    fake.message({
      channel: CHANNEL,
      user: '600000000000000207',
      text: 'hello after reconnect',
      mention: true,
    });
    await fake.waitFor('a RESUME', () => fake.resumes > resumes, 15_000);
    assert.equal(fake.identifies, identifies, 'it identified again instead of resuming');
    await fake.waitFor(
      'the help',
      () =>
        fake.inChannel(CHANNEL).filter((m) => /Send me a CSV or TSV file/.test(plainDiscord(m))).length >=
          2 || undefined,
      15_000,
    );
    fake.message({ channel: CHANNEL, user: '600000000000000207', text: 'and again', mention: true });
    await fake.waitFor(
      'another help',
      () =>
        fake.inChannel(CHANNEL).filter((m) => /Send me a CSV or TSV file/.test(plainDiscord(m))).length >=
          3 || undefined,
      15_000,
    );
  });

  test('after INVALID_SESSION (op 9, not resumable) the bot identifies again and still answers a mention', async () => {
    const identifies = fake.identifies;
    const helps = () =>
      fake.inChannel(CHANNEL).filter((m) => /Send me a CSV or TSV file/.test(plainDiscord(m))).length;
    const before = helps();
    fake.invalidateSession(false);
    await fake.waitFor('a new IDENTIFY', () => fake.identifies > identifies, 20_000);
    await new Promise((r) => setTimeout(r, 500));
    fake.message({
      channel: CHANNEL,
      user: '600000000000000208',
      text: 'hello after a new session',
      mention: true,
    });
    await fake.waitFor('the help', () => helps() > before || undefined, 15_000);
  });

  test('a 429 with retry_after is waited out: the reply still arrives', async () => {
    const limited = fake.errors.filter((e) => e.status === 429).length;
    fake.rateLimit(new RegExp(`^POST /channels/${CHANNEL}/messages$`), 1, 1);
    fake.message({
      channel: CHANNEL,
      user: '600000000000000209',
      text: 'hello through a rate limit',
      mention: true,
    });
    const helps = fake
      .inChannel(CHANNEL)
      .filter((m) => /Send me a CSV or TSV file/.test(plainDiscord(m))).length;
    await fake.waitFor(
      'the help',
      () =>
        fake.inChannel(CHANNEL).filter((m) => /Send me a CSV or TSV file/.test(plainDiscord(m))).length >
          helps || undefined,
      15_000,
    );
    assert.equal(fake.errors.filter((e) => e.status === 429).length, limited + 1);
  });

  test("a very long steer is acknowledged within Discord's limits (no 50035)", async () => {
    const user = '600000000000000211';
    const { id } = fake.message({
      channel: CHANNEL,
      user,
      text: 'predict churn',
      mention: true,
      attachments: [fake.addFile('churn.csv', binaryTable({ rows: 60 }))],
    });
    const thread = await fake.waitFor('the thread', () => fake.threadOf(id), 10_000);
    await runOf(id);
    // Within what the run takes (2000), but the ack that quotes it is over Discord's 2000.
    fake.message({ channel: thread, user, text: `try ${'random forest '.repeat(140)}`.slice(0, 1995) });
    await fake.waitFor(
      'the ack',
      () => fake.inChannel(thread).find((m) => /Passed to the run/.test(plainDiscord(m))),
      10_000,
    );
    assert.deepEqual(
      fake.errors.filter((e) => e.code === 50035),
      [],
    );
  });

  test('a restarted bot knows the run threads from GUILD_CREATE (or THREAD_UPDATE when one was archived): a plain reply in one is still answered', async () => {
    const user = '600000000000000210';
    const { id } = fake.message({
      channel: CHANNEL,
      user,
      text: 'predict churn',
      mention: true,
      attachments: [fake.addFile('churn.csv', binaryTable({ rows: 60 }))],
    });
    const thread = await fake.waitFor('the thread', () => fake.threadOf(id), 10_000);
    await runOf(id);
    await bots.close();
    bots = await stack.startBots();
    fake.message({ channel: thread, user, text: 'status' });
    await fake.waitFor(
      'the status reply',
      () =>
        fake.inChannel(thread).filter((m) => plainDiscord(m).includes('predict churn')).length >= 2 ||
        undefined,
      15_000,
    );
    // Archived while the bot was down (not in GUILD_CREATE): the reply unarchives it (THREAD_UPDATE) and is answered.
    await bots.close();
    fake.archive(thread);
    bots = await stack.startBots();
    fake.message({ channel: thread, user, text: 'status' });
    await fake.waitFor(
      'the status reply in the unarchived thread',
      () =>
        fake.inChannel(thread).filter((m) => plainDiscord(m).includes('predict churn')).length >= 3 ||
        undefined,
      15_000,
    );
  });

  test('across all of the above: no interaction answered twice (40060) or late (10062), no message over the limits (50035)', () => {
    assert.deepEqual(
      fake.errors.filter((e) => [40060, 10062, 50035].includes(e.code)),
      [],
    );
  });
});

describe('a Discord that refuses the Message Content intent', { concurrency: false }, () => {
  let stack: ChatStack;
  let discord: FakeDiscord;
  let slack: FakeSlack;

  before(async () => {
    discord = await startFakeDiscord([CHANNEL]);
    discord.messageContentEnabled = false;
    slack = await startFakeSlack();
    stack = await startChatStack(
      'discord-4014',
      {
        DISCORD_TOKEN,
        DISCORD_API_URL: discord.apiUrl,
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_APP_TOKEN: APP_TOKEN,
        SLACK_API_URL: slack.apiUrl,
      },
      { pacing: PACING },
      { worker: false },
    );
  });

  after(async () => {
    await stack?.close();
    await discord?.stop();
    await slack?.stop();
  });

  test('close code 4014 stops the Discord bot only: the Slack bot keeps answering', async () => {
    const bots = await Promise.race([
      stack.startBots(),
      new Promise<never>((_r, reject) =>
        setTimeout(() => reject(new Error('starting the bots hung')), 20_000),
      ),
    ]);
    try {
      assert.deepEqual(
        bots.failures.map((f) => f.platform),
        ['discord'],
      );
      assert.match(bots.failures[0]!.error, /4014.*OURO_DISCORD_MESSAGE_CONTENT=false/s);
      const { ts } = await slack.mention({ channel: 'CDATA', user: 'UALICE', text: 'hello' });
      assert.match(
        plain(await slack.waitFor('the Slack reply', () => slack.thread('CDATA', ts)[0], 10_000)),
        /Send me a CSV or TSV file/,
      );
    } finally {
      await bots.close();
    }
  });

  test('OURO_DISCORD_MESSAGE_CONTENT=false: connects without the intent; mentions work, steering needs a mention', async () => {
    const config = loadConfig({
      ...process.env,
      OURO_HOME: stack.config.OURO_HOME,
      REDIS_URL: stack.config.REDIS_URL,
      OURO_LOG_LEVEL: 'silent',
      DISCORD_TOKEN,
      DISCORD_API_URL: discord.apiUrl,
      OURO_DISCORD_MESSAGE_CONTENT: 'false',
      SLACK_BOT_TOKEN: '',
    });
    const bots = (await startChatBots(config, logger, stack.redis, {
      apiUrl: stack.server.url,
      pacing: PACING,
    }))!;
    try {
      assert.deepEqual(bots.failures, []);
      assert.equal(discord.intents & (1 << 15), 0);
      const { id } = discord.message({
        channel: CHANNEL,
        user: '600000000000000301',
        text: 'predict churn',
        mention: true,
        attachments: [discord.addFile('churn.csv', binaryTable({ rows: 60 }))],
      });
      const thread = await discord.waitFor('the thread', () => discord.threadOf(id), 10_000);
      await discord.waitFor(
        'the status',
        () => discord.inChannel(thread).find((m) => plainDiscord(m).includes('ouro ·')),
        10_000,
      );
      discord.message({ channel: thread, user: '600000000000000301', text: 'status', mention: true });
      await discord.waitFor(
        'the status reply',
        () =>
          discord.inChannel(thread).filter((m) => plainDiscord(m).includes('predict churn')).length >= 2 ||
          undefined,
        10_000,
      );
    } finally {
      await bots.close();
    }
  });
});
