/**
 * The Discord bot end to end: the real discord.js 14 (gateway + REST) against a local fake
 * Discord (test/support/fake-discord.ts), a real redis-server, an in-process worker running
 * real sandboxed experiments, and the real prediction server on a free port.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ChatBots } from '../cli/bot-command.ts';
import type { RunningServer } from '../deploy/server.ts';
import { DISCORD_TOKEN, plainDiscord, startFakeDiscord, type FakeDiscord } from './support/fake-discord.ts';
import { binaryTable } from './support/fixtures.ts';
import { startChatStack, type ChatStack } from './support/chat-stack.ts';

const CHANNEL = '700000000000000001';
const SECRET = '700000000000000002';

describe('ouro in Discord', { concurrency: false }, () => {
  let stack: ChatStack;
  let fake: FakeDiscord;
  let server: RunningServer;
  let bots: ChatBots;

  before(async () => {
    fake = await startFakeDiscord([CHANNEL, SECRET]);
    stack = await startChatStack(
      'discord',
      {
        DISCORD_TOKEN,
        DISCORD_API_URL: fake.apiUrl,
        OURO_DISCORD_ALLOWED_CHANNELS: CHANNEL,
      },
      { pacing: { postGapMs: 100, updateGapMs: 300, tickMs: 1000 } },
    );
    ({ server } = stack);
    bots = await stack.startBots();
  });

  after(async () => {
    await bots?.close();
    await stack?.close();
    await fake?.stop();
  });

  test('`ouro discord register` puts the slash commands (global or in one guild)', async () => {
    const { registerDiscordCommands } = await import('../bot/discord/discord-commands.ts');
    const global = await registerDiscordCommands({
      token: DISCORD_TOKEN,
      applicationId: '900000000000000001',
      apiUrl: fake.apiUrl,
    });
    assert.deepEqual(global.names, ['predict', 'models']);
    const guild = await registerDiscordCommands({
      token: DISCORD_TOKEN,
      applicationId: '900000000000000001',
      guildId: '800000000000000001',
      apiUrl: fake.apiUrl,
    });
    assert.deepEqual(guild.names, ['predict', 'models']);
  });

  test('a mention without a file gets help in the channel; a channel off the allow-list gets nothing', async () => {
    fake.message({ channel: CHANNEL, user: '600000000000000001', text: 'hello', mention: true });
    await fake.waitFor('the help', () =>
      fake.inChannel(CHANNEL).find((m) => /Send me a CSV or TSV file/.test(plainDiscord(m))),
    );
    fake.message({
      channel: SECRET,
      user: '600000000000000001',
      text: 'predict churn',
      mention: true,
      attachments: [fake.addFile('x.csv', binaryTable({ rows: 60 }))],
    });
    await fake.waitFor('the private refusal', () =>
      fake
        .inChannel('dm-600000000000000001')
        .find((m) => /not enabled in this channel/.test(plainDiscord(m))),
    );
    assert.equal(fake.inChannel(SECRET).length, 0);
  });

  test('a CSV mention: a thread with the goal, steering, the card with a working URL, /predict and batch /predict', async () => {
    const alice = '600000000000000011';
    const csv = binaryTable({ rows: 200 });
    const file = fake.addFile('churn.csv', csv);
    const { id } = fake.message({
      channel: CHANNEL,
      user: alice,
      text: 'predict churn, max 3 experiments, budget 3m',
      mention: true,
      attachments: [file],
    });
    const thread = await fake.waitFor('the thread', () => fake.threadOf(id), 5000);
    const inThread = () => fake.inChannel(thread);
    const status = await fake.waitFor(
      'the status message',
      () => inThread().find((m) => plainDiscord(m).includes('ouro ·')),
      5000,
    );
    assert.match(
      plainDiscord(status.history[0]!),
      /Goal as I understand it: \*\*predict churn\*\*, from `churn\.csv`/,
    );
    assert.ok(fake.downloads.some((d) => d.includes(`/${file.id}/`)));

    await fake.waitFor('the plan', () => inThread().find((m) => /Plan\*\*/.test(plainDiscord(m))), 60_000);
    fake.message({ channel: thread, user: alice, text: 'try random forest' });
    await fake.waitFor('the steering ack', () =>
      inThread().find((m) => /Passed to the run: “try random forest”/.test(plainDiscord(m))),
    );

    const card = await fake.waitFor(
      'the metrics card',
      () => inThread().find((m) => m.embeds.length > 0 && plainDiscord(m).includes('Model URL:')),
      150_000,
    );
    const text = inThread().map(plainDiscord).join('\n---\n');
    assert.match(text, /Strategy\*\* — .*→ \*\*random forest next\*\*|Diagnosis\*\* —/);
    const url = /Model URL:\*\* (\S+)/.exec(plainDiscord(card))?.[1];
    assert.equal(url, `${server.url}/v1/models/churn/predict`);
    assert.ok(status.history.length > 1, 'the status message was never edited');

    // The chart, as an image attachment in the thread.
    const chart = await fake.waitFor(
      'the chart',
      () =>
        inThread()
          .flatMap((m) => m.files)
          .find((f) => f.name.endsWith('.png')),
      60_000,
    );
    assert.deepEqual([...chart.data.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);

    // The key went privately (a DM), never into the thread.
    const keyNote = await fake.waitFor(
      'the key DM',
      () => fake.inChannel(`dm-${alice}`).find((m) => plainDiscord(m).includes('ouro_')),
      30_000,
    );
    const key = /(ouro_[A-Za-z0-9_-]{32})/.exec(plainDiscord(keyNote))![1]!;
    assert.ok(!inThread().some((m) => m.history.some((h) => plainDiscord(h).includes(key))));

    // The model URL answers.
    const [header, first, second] = csv.split('\n');
    const names = header!.split(',');
    const rowOf = (line: string) =>
      Object.fromEntries(names.map((n, i) => [n, line.split(',')[i]!]).filter(([n]) => n !== 'churn'));
    let api: { predictions: string[] } | undefined;
    for (let i = 0; i < 60 && api === undefined; i++) {
      const res = await fetch(url!, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify([
          { a: Number(rowOf(first!).a), b: Number(rowOf(first!).b), city: rowOf(first!).city },
        ]),
      });
      if (res.status === 200) api = (await res.json()) as typeof api;
      else await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(api, 'the model URL never answered');

    // Autocomplete offers the model.
    const auto = fake.interaction({
      name: 'predict',
      channel: CHANNEL,
      user: alice,
      type: 4,
      options: [{ name: 'model', type: 3, value: 'chu', focused: true }],
    });
    const choices = await fake.waitFor('the choices', () => auto.reply.choices, 10_000);
    assert.ok(choices.some((c) => c.value === 'churn'));

    // /predict with key=value input.
    const r = rowOf(first!);
    const one = fake.interaction({
      name: 'predict',
      channel: CHANNEL,
      user: alice,
      options: [
        { name: 'model', type: 3, value: 'churn' },
        { name: 'input', type: 3, value: `a=${r.a} b=${r.b} city=${r.city}` },
      ],
    });
    const answer = await fake.waitFor(
      'the /predict answer',
      () => one.reply.message && /churn\*\* v1 →/.test(plainDiscord(one.reply.message)) && one.reply.message,
      30_000,
    );
    assert.match(plainDiscord(answer), new RegExp(`→ \\*\\*${api.predictions[0]}\\*\\*`));
    assert.ok(one.reply.callbacks[0] === 4 || one.reply.callbacks[0] === 5);

    // Batch /predict: a CSV in, a CSV of predictions out.
    const batchCsv = `a,b,city\n${[first!, second!]
      .map((l) => {
        const x = rowOf(l);
        return `${x.a},${x.b},${x.city}`;
      })
      .join('\n')}\n`;
    const batch = fake.addFile('batch.csv', batchCsv);
    const many = fake.interaction({
      name: 'predict',
      channel: CHANNEL,
      user: alice,
      options: [
        { name: 'model', type: 3, value: 'churn' },
        { name: 'file', type: 11, value: batch.id },
      ],
      attachments: [batch],
    });
    const out = await fake.waitFor('the batch answer', () => many.reply.message?.files[0], 30_000);
    assert.equal(out.name, 'batch-predictions.csv');
    const lines = out.data.toString('utf8').trim().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0]!, /^a,b,city,prediction/);
    assert.equal(lines[1]!.split(',')[3], api.predictions[0]);

    // /models lists it.
    const list = fake.interaction({ name: 'models', channel: CHANNEL, user: alice, options: [] });
    assert.match(
      plainDiscord(
        await fake.waitFor(
          'the list',
          () =>
            list.reply.message && plainDiscord(list.reply.message).includes('Deployed') && list.reply.message,
          10_000,
        ),
      ),
      /\*\*churn\*\* v1/,
    );
  });
});
