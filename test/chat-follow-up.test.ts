/**
 * Follow-ups in a finished run's thread, end to end on both fakes (real worker, real sandboxed
 * experiments, the real prediction server): a mention with a new file trains a challenger on it,
 * champion and challenger are scored on the new file's holdout, and the better challenger is
 * served as a new version under the same URL; `retrain with 1 minute` on the same file trains
 * an equal challenger, which does not replace the champion.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ChatBots } from '../cli/bot-command.ts';
import { APP_TOKEN, BOT_TOKEN, plain, startFakeSlack, type FakeSlack } from './support/fake-slack.ts';
import { DISCORD_TOKEN, plainDiscord, startFakeDiscord, type FakeDiscord } from './support/fake-discord.ts';
import { gaussian, seededRandom } from './support/random.ts';
import { startChatStack, type ChatStack } from './support/chat-stack.ts';

/**
 * Churn that depends on `a` (the old data) or on `b` (the new data: the relationship changed).
 * A model of the old data scores about chance on the new data; one trained on it scores high.
 */
function churnTable(drivenBy: 'a' | 'b', seed: number, rows = 240): string {
  const rand = seededRandom(seed);
  const lines = ['a,b,city,churn'];
  for (let i = 0; i < rows; i++) {
    const a = gaussian(rand);
    const b = gaussian(rand);
    const city = ['Lyon', 'Paris', 'Nantes'][Math.floor(rand() * 3)]!;
    const logit = (drivenBy === 'a' ? 2 * a : -2 * b) + 0.3 * gaussian(rand);
    lines.push(`${a.toFixed(4)},${b.toFixed(4)},${city},${logit > 0 ? 'yes' : 'no'}`);
  }
  return `${lines.join('\n')}\n`;
}

const ROW = { a: 0.5, b: -0.2, city: 'Lyon' };

/** The version the model URL serves, once it answers with `want` (the server polls the registry). */
async function servedVersion(url: string, key: string, want: number): Promise<number> {
  let version = -1;
  for (let i = 0; i < 120 && version !== want; i++) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify([ROW]),
    });
    if (res.status === 200) version = ((await res.json()) as { version: number }).version;
    else await res.text();
    if (version !== want) await new Promise((r) => setTimeout(r, 500));
  }
  return version;
}

const PACING = { pacing: { postGapMs: 100, updateGapMs: 400, tickMs: 2000 } };

describe('follow-ups in a Slack thread', { concurrency: false }, () => {
  const CHANNEL = 'CFOLLOW';
  let stack: ChatStack;
  let fake: FakeSlack;
  let bots: ChatBots;

  before(async () => {
    fake = await startFakeSlack();
    stack = await startChatStack(
      'chat-follow-up-slack',
      { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_APP_TOKEN: APP_TOKEN, SLACK_API_URL: fake.apiUrl },
      PACING,
    );
    bots = await stack.startBots();
  });

  after(async () => {
    await bots?.close();
    await stack?.close();
    await fake?.stop();
  });

  test('a new file in the thread: champion vs challenger on its holdout, the better one served as v2 at the same URL; an equal retrain is not promoted', async () => {
    const old = fake.addFile('customers.csv', churnTable('a', 1));
    const { ts } = await fake.mention({
      channel: CHANNEL,
      user: 'UJO',
      text: 'predict churn, max 1 experiments, budget 2m --name churn-follow',
      files: [old],
    });
    const thread = () => fake.thread(CHANNEL, ts);
    const dump = () => thread().map(plain).join('\n---\n');
    const failIfFailed = () => {
      if (thread().some((m) => /The run failed/.test(plain(m)))) throw new Error(`a run failed:\n${dump()}`);
    };
    const card = await fake
      .waitFor(
        'the first card',
        () => (failIfFailed(), thread().find((m) => plain(m).includes('Model URL:'))),
        180_000,
      )
      .catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${dump()}`);
      });
    const url = /Model URL:\* (\S+)/.exec(plain(card))![1]!;
    assert.equal(url, `${stack.server.url}/v1/models/churn-follow/predict`);
    const key = /(ouro_[A-Za-z0-9_-]{32})/.exec(
      plain(fake.messages.find((m) => m.channel === fake.imOf('UJO') && plain(m).includes('churn-follow'))!),
    )![1]!;
    assert.equal(await servedVersion(url, key, 1), 1);

    // This month's data, where churn follows `b`: the challenger must beat the champion on it.
    const fresh = fake.addFile('customers-march.csv', churnTable('b', 2));
    await fake.mention({
      channel: CHANNEL,
      user: 'UJO',
      thread_ts: ts,
      text: "here is this month's data",
      files: [fresh],
    });
    await fake.waitFor(
      'the challenger announced',
      () => thread().find((m) => /A challenger for \*churn-follow\*/.test(plain(m))),
      30_000,
    );
    const verdict = await fake
      .waitFor(
        'the verdict',
        () => (failIfFailed(), thread().find((m) => /challenger wins|champion stays/.test(plain(m)))),
        180_000,
      )
      .catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${dump()}`);
      });
    const v = plain(verdict);
    assert.match(v, /The challenger wins/, v);
    const [challenger, champion] = [
      /challenger roc_auc \*(\d\.\d+)\*/.exec(v),
      /champion \*churn-follow\* v1 roc_auc \*(\d\.\d+)\*/.exec(v),
    ];
    assert.ok(challenger && champion, `both numbers are said: ${v}`);
    assert.ok(Number(challenger[1]) > Number(champion[1]));
    assert.match(v, /v1 is kept/);
    await fake
      .waitFor(
        'the ping',
        () =>
          thread().find((m) =>
            /🔔 <@UJO>, your run on `customers-march\.csv` finished: \*churn-follow\* v2 is deployed/.test(
              plain(m),
            ),
          ),
        60_000,
      )
      .catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${dump()}`);
      });
    assert.equal(await servedVersion(url, key, 2), 2, 'the same URL serves v2');

    // The same file again (same split, same seed, one experiment): an equal score does not replace v2.
    await fake.reply({ channel: CHANNEL, user: 'UJO', thread_ts: ts, text: 'retrain with 1 minute' });
    const second = await fake
      .waitFor(
        'the second verdict',
        () => (failIfFailed(), thread().filter((m) => /challenger wins|champion stays/.test(plain(m)))[1]),
        180_000,
      )
      .catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${dump()}`);
      });
    assert.match(plain(second), /The champion stays\.\*.*champion \*churn-follow\* v2/s, plain(second));
    await fake.waitFor(
      'the ping',
      () =>
        thread().find((m) =>
          /the champion \*churn-follow\* v2 stays deployed \(the challenger is saved as v3\)/.test(plain(m)),
        ),
      60_000,
    );
    assert.equal(await servedVersion(url, key, 2), 2, 'v2 is still served');
  });
});

describe('follow-ups in a Discord thread', { concurrency: false }, () => {
  const CHANNEL = '700000000000000301';
  let stack: ChatStack;
  let fake: FakeDiscord;
  let bots: ChatBots;

  before(async () => {
    fake = await startFakeDiscord([CHANNEL]);
    stack = await startChatStack(
      'chat-follow-up-discord',
      { DISCORD_TOKEN, DISCORD_API_URL: fake.apiUrl },
      PACING,
    );
    bots = await stack.startBots();
  });

  after(async () => {
    await bots?.close();
    await stack?.close();
    await fake?.stop();
  });

  test("a new file in the run's thread: the better challenger is served as v2 at the same URL", async () => {
    const user = '600000000000000401';
    const { id } = fake.message({
      channel: CHANNEL,
      user,
      text: 'predict churn, max 1 experiments, budget 2m --name churn-dfollow',
      mention: true,
      attachments: [fake.addFile('customers.csv', churnTable('a', 1))],
    });
    const thread = await fake.waitFor('the thread', () => fake.threadOf(id), 15_000);
    const inThread = () => fake.inChannel(thread);
    const dump = () => inThread().map(plainDiscord).join('\n---\n');
    const failIfFailed = () => {
      if (inThread().some((m) => /The run failed/.test(plainDiscord(m))))
        throw new Error(`a run failed:\n${dump()}`);
    };
    const card = await fake
      .waitFor(
        'the first card',
        () => (failIfFailed(), inThread().find((m) => plainDiscord(m).includes('Model URL:'))),
        180_000,
      )
      .catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${dump()}`);
      });
    const url = /Model URL:\*\* (\S+)/.exec(plainDiscord(card))![1]!;
    const key = /(ouro_[A-Za-z0-9_-]{32})/.exec(
      plainDiscord(fake.inChannel(`dm-${user}`).find((m) => plainDiscord(m).includes('churn-dfollow'))!),
    )![1]!;
    assert.equal(await servedVersion(url, key, 1), 1);

    fake.message({
      channel: thread,
      user,
      text: "here is this month's data",
      mention: true,
      attachments: [fake.addFile('customers-march.csv', churnTable('b', 2))],
    });
    const verdict = await fake
      .waitFor(
        'the verdict',
        () => (
          failIfFailed(),
          inThread().find((m) => /challenger wins|champion stays/.test(plainDiscord(m)))
        ),
        180_000,
      )
      .catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${dump()}`);
      });
    assert.match(
      plainDiscord(verdict),
      /The challenger wins\.\*\*.*challenger roc_auc \*\*\d\.\d+\*\*, champion \*\*churn-dfollow\*\* v1 roc_auc \*\*\d\.\d+\*\*/s,
    );
    assert.equal(await servedVersion(url, key, 2), 2, 'the same URL serves v2');
    // Only one run per thread at a time; the thread is still the conversation's.
    assert.equal(fake.threadOf(id), thread);
  });
});
