/**
 * The Slack bot end to end: the real @slack/bolt (Socket Mode) and @slack/web-api against a
 * local fake Slack (test/support/fake-slack.ts), a real redis-server, an in-process worker
 * running real sandboxed experiments, and the real prediction server on a free port.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { startChatBots, type ChatBots } from '../cli/bot-command.ts';
import { loadConfig, type Config } from '../core/config.ts';
import { redisKeys } from '../core/queue/redis-keys.ts';
import { readRunEvents } from '../core/queue/run-event-stream.ts';
import type { RunningServer } from '../deploy/server.ts';
import { REPO_ROOT } from './support/cli.ts';
import {
  APP_TOKEN,
  BOT_TOKEN,
  findElement,
  plain,
  startFakeSlack,
  type FakeMessage,
  type FakeSlack,
} from './support/fake-slack.ts';
import { binaryTable } from './support/fixtures.ts';
import { logger, startChatStack, type ChatStack } from './support/chat-stack.ts';
import { freePort } from '../core/net/free-port.ts';

const CHANNEL = 'CDATA';
const ATTRITION = join(REPO_ROOT, 'bench', 'datasets', 'attrition.csv');

/** A config back as the environment it came from (for a variant with a few changes). */
function envOf(c: Config): Record<string, string> {
  return Object.fromEntries(
    Object.entries(c).flatMap(([k, v]) =>
      v === undefined
        ? []
        : [[k, Array.isArray(v) ? v.join(',') : typeof v === 'object' ? JSON.stringify(v) : String(v)]],
    ),
  );
}

describe('ouro in Slack', { concurrency: false }, () => {
  let stack: ChatStack;
  let redis: Redis;
  let fake: FakeSlack;
  let server: RunningServer;
  let config: Config;
  let bots: ChatBots;
  let startBots: () => Promise<ChatBots>;

  before(async () => {
    fake = await startFakeSlack();
    stack = await startChatStack(
      'slack',
      {
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_APP_TOKEN: APP_TOKEN,
        SLACK_API_URL: fake.apiUrl,
        OURO_ALLOWED_CHANNELS: `${CHANNEL},COTHER`,
      },
      {
        pacing: { postGapMs: 150, updateGapMs: 400, tickMs: 1000 },
        retryConfig: { retries: 2, minTimeout: 100, maxTimeout: 500 },
      },
    );
    ({ redis, server, config, startBots } = stack);
    bots = await startBots();
  });

  after(async () => {
    await bots?.close();
    await stack?.close();
    await fake?.stop();
  });

  const runCount = () => redis.zcard(redisKeys.runs);
  const replies = (ts: string) => fake.thread(CHANNEL, ts);
  const statusOf = (ts: string): FakeMessage | undefined =>
    replies(ts).find((m) => plain(m).includes('ouro ·'));
  const threadText = (ts: string) => replies(ts).map(plain).join('\n---\n');

  test('a rate-limited post is retried after Retry-After, and the reply still arrives', async () => {
    fake.rateLimit('chat.postMessage', 2, 1);
    const started = Date.now();
    const { ts } = await fake.mention({ channel: CHANNEL, user: 'UALICE', text: 'hello' });
    const reply = await fake.waitFor('the reply after two 429s', () => replies(ts)[0], 15_000);
    const posts = fake.calls.filter((c) => c.method === 'chat.postMessage' && c.at >= started);
    assert.deepEqual(posts.map((c) => c.status).slice(0, 3), [429, 429, 200]);
    assert.ok(reply.postedAt - started >= 1900, `retried too early (${reply.postedAt - started} ms)`);
  });

  test('intake problems get a helpful reply and start nothing', async () => {
    const before = await runCount();
    // No file at all.
    const none = await fake.mention({ channel: CHANNEL, user: 'UALICE', text: 'predict churn' });
    assert.match(plain(await fake.waitFor('help', () => replies(none.ts)[0])), /Send me a CSV or TSV file/);
    // A spreadsheet.
    const xls = await fake.mention({
      channel: CHANNEL,
      user: 'UALICE',
      text: 'predict churn',
      files: [fake.addFile('customers.xls', '\u00d0\u00cf\u0011\u00e0')],
    });
    assert.match(
      plain(await fake.waitFor('advice', () => replies(xls.ts)[0])),
      /save the sheet as \.xlsx or CSV/,
    );
    // Over the size limit by its declared size: refused before any download.
    const big = fake.addFile('big.csv', 'a,b\n1,2\n', { size: 5 * 1024 * 1024 });
    const large = await fake.mention({ channel: CHANNEL, user: 'UALICE', text: 'predict b', files: [big] });
    assert.match(
      plain(await fake.waitFor('size reply', () => replies(large.ts)[0])),
      /5\.0 MB; I take files up to 1\.0 MB \(OURO_MAX_UPLOAD_MB\)/,
    );
    assert.ok(!fake.downloads.some((d) => d.path.includes(big.id)), 'an oversize file was downloaded');
    // A declared size that lies: the download is cut at the limit while streaming.
    const liar = fake.addFile('liar.csv', 'a,b\n' + '1,2\n'.repeat(400_000), { size: 1000 });
    const lying = await fake.mention({ channel: CHANNEL, user: 'UALICE', text: 'predict b', files: [liar] });
    const status = await fake.waitFor('the status message', () => statusOf(lying.ts));
    await fake.waitFor(
      'the cut download',
      () => /larger than the 1\.0 MB limit/.test(plain(status)) || undefined,
    );
    // Two data files: which one?
    const two = await fake.mention({
      channel: CHANNEL,
      user: 'UALICE',
      text: 'predict churn',
      files: [fake.addFile('jan.csv', 'a\n1\n'), fake.addFile('feb.csv', 'a\n1\n')],
    });
    assert.match(
      plain(await fake.waitFor('the question', () => replies(two.ts)[0])),
      /2 data files: `jan\.csv`, `feb\.csv`\. Which one/,
    );
    assert.equal(await runCount(), before);
  });

  test('a channel outside OURO_ALLOWED_CHANNELS: a private refusal, no run, nothing in the channel', async () => {
    const before = await runCount();
    const file = fake.addFile('data.csv', binaryTable({ rows: 60 }));
    await fake.mention({ channel: 'CSECRET', user: 'UALICE', text: 'predict churn', files: [file] });
    const refusal = await fake.waitFor('the refusal', () =>
      fake.ephemerals.find((e) => e.channel === 'CSECRET'),
    );
    assert.equal(refusal.user, 'UALICE');
    assert.match(plain(refusal), /not enabled in this channel/);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(fake.messages.filter((m) => m.channel === 'CSECRET').length, 0);
    assert.equal(await runCount(), before);
    assert.ok(!fake.downloads.some((d) => d.path.includes(file.id)));
  });

  test('the HTTP receiver (OURO_SLACK_MODE=http): signed events are handled, unsigned ones refused', async () => {
    const port = await freePort();
    const secret = 'fake-signing-secret';
    const httpBots = (await startChatBots(
      loadConfig({
        ...envOf(config),
        OURO_SLACK_MODE: 'http',
        OURO_SLACK_PORT: String(port),
        SLACK_SIGNING_SECRET: secret,
      }),
      logger,
      redis,
      { apiUrl: server.url, pacing: { postGapMs: 150, updateGapMs: 400, tickMs: 1000 } },
    ))!;
    try {
      const ts = fake.nextTs();
      const event = {
        type: 'app_mention',
        channel: CHANNEL,
        user: 'UALICE',
        text: '<@UBOT> hi',
        ts,
        event_ts: ts,
      };
      const url = `http://127.0.0.1:${port}/slack/events`;
      const ok = await fake.postEvent(url, secret, event, `EvHTTP${ts.replace('.', '')}`);
      assert.equal(ok.status, 200);
      assert.ok(ok.ms < 3000);
      assert.match(plain(await fake.waitFor('the reply', () => replies(ts)[0])), /Send me a CSV or TSV file/);
      const forged = await fake.postEvent(url, 'not-the-secret', { ...event, ts: fake.nextTs() }, 'EvFORGED');
      assert.equal(forged.status, 401);
    } finally {
      await httpBots.close();
    }
  });

  test('attrition.csv end to end: goal understood, steering, diagnosis or strategy, card, chart, private key, /predict', async () => {
    const csv = await readFile(ATTRITION);
    const file = fake.addFile('attrition.csv', csv);
    const sent = Date.now();
    const { ts, ackMs } = await fake.mention({
      channel: CHANNEL,
      user: 'UALICE',
      text: 'predict Attrition, max 3 experiments, budget 4m',
      files: [file],
    });
    assert.ok(ackMs < 3000);

    // The first reply restates the goal within 3 s, before the worker has looked at the file.
    const status = await fake.waitFor('the first reply', () => statusOf(ts), 3000);
    assert.ok(status.postedAt - sent < 3000, `first reply after ${status.postedAt - sent} ms`);
    assert.match(
      plain(status.history[0]!),
      /Goal as I understand it: \*predict Attrition\*, from `attrition\.csv`/,
    );
    assert.match(plain(status.history[0]!), /up to 4:00 \(at most 3\)/);
    assert.ok(fake.downloads.some((d) => d.path.includes(file.id) && d.authorized));

    // The plan arrives as a reply, and the status message is updated with what was understood.
    await fake.waitFor(
      'the plan',
      () => replies(ts).find((m) => /Plan\* — predict \*Attrition\*/.test(plain(m))),
      60_000,
    );
    await fake.waitFor(
      'the status to show the plan',
      () =>
        /Predicting \*Attrition\* \(yes\/no classification\), judged by \*roc_auc\*/.test(plain(status)) ||
        undefined,
    );

    // A reply in the thread steers the run; the bot acknowledges, the run answers with a strategy change.
    await fake.reply({ channel: CHANNEL, user: 'UALICE', thread_ts: ts, text: 'try random forest' });
    await fake.waitFor('the steering ack', () =>
      replies(ts).find((m) => /Passed to the run: “try random forest”/.test(plain(m))),
    );
    // `status` is answered by the bot itself, from the run's events.
    await fake.reply({ channel: CHANNEL, user: 'UBOB', thread_ts: ts, text: 'status' });
    await fake.waitFor('the status answer', () =>
      replies(ts).find((m) => !plain(m).includes('ouro ·') && plain(m).includes('Predicting *Attrition*')),
    );

    const card = await fake.waitFor(
      'the metrics card',
      () => replies(ts).find((m) => plain(m).includes('Model URL:')),
      170_000,
    );
    const text = threadText(ts);
    assert.match(text, /Strategy\* — .*→ \*random forest next\*|Diagnosis\* —/);
    assert.match(text, /Why:_ asked in the thread|Evidence:/);
    assert.match(plain(card), /roc_auc \(held-out rows\)/);
    assert.match(plain(card), /baseline/);
    assert.match(plain(card), /cross-validation/);
    assert.match(plain(card), /1,470 rows/);
    assert.match(plain(card), /\/predict attrition Age=\d+/);
    assert.match(plain(card), /the key was sent privately to <@UALICE>/);
    const url = /Model URL:\* (\S+)/.exec(plain(card))?.[1];
    assert.equal(url, `${server.url}/v1/models/attrition/predict`);
    await fake.waitFor('the status to say done', () => /✅ Done in/.test(plain(status)) || undefined, 10_000);

    // The key: privately to the requester, never in the channel.
    // By DM (conversations.open + chat.postMessage): an ephemeral is lost when the user is away.
    const keyNote = fake.messages.find(
      (m) => m.channel === fake.imOf('UALICE') && plain(m).includes('ouro_'),
    );
    assert.ok(keyNote, 'no key DM');
    const key = /(ouro_[A-Za-z0-9_-]{32})/.exec(plain(keyNote))![1]!;
    assert.ok(
      !fake.messages.some((m) => m !== keyNote && m.history.some((h) => plain(h).includes(key))),
      'the key was posted in the channel',
    );
    const latest = (await redis.zrange(redisKeys.runs, '-1', '-1'))[0]!;
    assert.equal(await redis.exists(redisKeys.freshKey(latest)), 0);

    // The chart, uploaded into the thread.
    const chart = await fake.waitFor('the chart', () => fake.uploads.find((u) => u.thread_ts === ts), 60_000);
    assert.equal(chart.channel, CHANNEL);
    assert.deepEqual([...chart.bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

    // The URL answers predictions with the key; /predict answers the same from chat.
    const [header, first] = csv.toString('utf8').split('\n');
    const names = header!.split(',').map((h) => h.replace(/"/g, ''));
    const row = Object.fromEntries(
      names
        .map((n, i) => [n, first!.split(',')[i]!.replace(/"/g, '')])
        .filter(([n]) => n !== 'Attrition')
        .map(([n, v]) => [n, /^-?\d+(\.\d+)?$/.test(v!) ? Number(v) : v]),
    );
    let api: { predictions: string[]; probabilities: Record<string, number>[] } | undefined;
    for (let i = 0; i < 60 && api === undefined; i++) {
      const res = await fetch(url!, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify([row]),
      });
      if (res.status === 200) api = (await res.json()) as typeof api;
      else await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(api, 'the model URL never answered');
    const predicted = api.predictions[0]!;
    const { ackMs: slashAck } = await fake.slash({
      command: '/predict',
      text: `attrition ${JSON.stringify(row)}`,
      user: 'UBOB',
      channel: CHANNEL,
    });
    assert.ok(slashAck < 3000);
    const answer = await fake.waitFor(
      'the /predict answer',
      () => fake.responses.find((r) => plain(r).includes('attrition* v1 →')),
      30_000,
    );
    assert.equal(answer.response_type, 'ephemeral');
    assert.match(plain(answer), new RegExp(`→ \\*${predicted}\\*`));
    const p = api.probabilities[0]![predicted]!;
    assert.ok(
      plain(answer).includes(`${predicted} ${(p * 100).toFixed(p >= 0.995 || p < 0.005 ? 1 : 0)} %`),
      plain(answer),
    );

    // key=value pairs, columns left out sent as missing, --share, the list, and a named error.
    await fake.slash({
      command: '/predict',
      text: 'attrition --share OverTime=Yes Age=25 JobRole="Sales_Representative"',
      user: 'UBOB',
      channel: CHANNEL,
    });
    const shared = await fake.waitFor(
      'the shared answer',
      () => fake.responses.find((r) => r.response_type === 'in_channel'),
      30_000,
    );
    assert.match(plain(shared), /inputs not given were sent as missing/);
    assert.match(plain(shared), /asked by <@UBOB>/);
    await fake.slash({ command: '/predict', text: '', user: 'UBOB', channel: CHANNEL });
    assert.match(
      plain(
        await fake.waitFor('the list', () =>
          fake.responses.find((r) => plain(r).includes('Deployed models')),
        ),
      ),
      /\*attrition\* v1 — Attrition \(binary\)/,
    );
    await fake.slash({ command: '/predict', text: 'attrition Age=old', user: 'UBOB', channel: CHANNEL });
    assert.match(
      plain(
        await fake.waitFor('the value error', () =>
          fake.responses.find((r) => plain(r).includes('Age=old') || plain(r).includes('"old"')),
        ),
      ),
      /Column "Age", row 0: expected a number, got "old".*\/predict attrition` shows its inputs/s,
    );
    await fake.slash({ command: '/predict', text: 'no-such-model a=1', user: 'UBOB', channel: CHANNEL });
    assert.match(
      plain(
        await fake.waitFor('the error', () => fake.responses.find((r) => plain(r).includes('no-such-model'))),
      ),
      /No model named "no-such-model"( is available here)?\..*\/predict` lists the models/s,
    );
  });

  test('a retried event starts one run; a restarted bot loses nothing; `stop` in the thread cancels', async () => {
    const before = await runCount();
    const file = fake.addFile('churn.csv', binaryTable({ rows: 240 }));
    const eventId = 'EvRETRIED0001';
    const { ts, event } = await fake.mention({
      channel: CHANNEL,
      user: 'UCAROL',
      text: 'predict churn max 8 experiments',
      files: [file],
      eventId,
    });
    // Slack delivers the same event again (it thought the first delivery was lost).
    await fake.sendEvent(event, { eventId, retryAttempt: 1 });
    await fake.waitFor('the plan', () => replies(ts).find((m) => plain(m).includes('Plan*')), 60_000);
    assert.equal(await runCount(), before + 1);
    assert.equal(replies(ts).filter((m) => plain(m).includes('ouro ·')).length, 1);
    const runId = (await redis.get(redisKeys.idempotency(`slack:${eventId}`)))!;
    assert.ok(runId);

    // The bot goes away mid-run and comes back: it replays the run's stream from Redis.
    await bots.close();
    const whileAway = (await readRunEvents(redis, runId)).length;
    await new Promise((r) => setTimeout(r, 1500));
    bots = await startBots();
    await fake.waitFor('the reconnect', () => fake.connected > 0 || undefined);

    // `stop` in the thread: acknowledged, and the run ends cancelled with the best model so far.
    await fake.waitFor(
      'an experiment to finish',
      () => /best so far/.test(plain(statusOf(ts)!)) || undefined,
      90_000,
    );
    await fake.reply({ channel: CHANNEL, user: 'UCAROL', thread_ts: ts, text: 'stop' });
    await fake.waitFor('the stop ack', () =>
      replies(ts).find((m) => plain(m).includes('Stopping, as <@UCAROL> asked')),
    );
    await fake.waitFor('the card', () => replies(ts).find((m) => plain(m).includes('Model URL:')), 90_000);
    const events = (await readRunEvents(redis, runId)).map((e) => e.event);
    assert.ok(
      events.some((e) => e.type === 'cancelled'),
      events.map((e) => e.type).join(', '),
    );
    assert.ok(events.length > whileAway);
    await fake.waitFor(
      'the status to say stopped',
      () => /Stopped on request/.test(plain(statusOf(ts)!)) || undefined,
      10_000,
    );
    await bots.slack.settled(runId);

    // Every reply exactly once, across the restart.
    const texts = replies(ts).map((m) => plain(m.history[0]!));
    assert.equal(texts.filter((t) => t.includes('Plan*')).length, 1);
    assert.equal(texts.filter((t) => t.includes('Model URL:')).length, 1);
    const bests = texts.filter((t) => t.includes('New best'));
    assert.equal(new Set(bests).size, bests.length, 'a reply was posted twice');
    assert.equal(bests.length, events.filter((e) => e.type === 'best.improved').length);
    // The model existed already? No: churn is new, so its key went to Carol, privately.
    assert.ok(fake.messages.some((m) => m.channel === fake.imOf('UCAROL') && plain(m).includes('ouro_')));
    assert.equal(await redis.sismember(redisKeys.botActiveRuns, runId), 0);
  });

  test('a goal that does not settle the target: a question with the candidates; a reply or a click starts the run with that target', async () => {
    const before = await runCount();
    // Two columns are mileage (hwy and cty): ouro asks instead of guessing.
    const mpg = fake.addFile(
      'mpg.csv',
      await readFile(join(REPO_ROOT, 'test', 'fixtures', 'goals', 'mpg.csv')),
    );
    const { ts } = await fake.mention({
      channel: CHANNEL,
      user: 'UDAVE',
      text: 'predict the mileage, max 1 experiments',
      files: [mpg],
    });
    const question = await fake
      .waitFor(
        'the question',
        () => replies(ts).find((m) => /Which column should I predict\?/.test(plain(m))),
        60_000,
      )
      .catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${threadText(ts)}`);
      });
    assert.match(plain(question), /Two readings of the goal are close/);
    assert.match(plain(question), /`hwy`/);
    assert.match(plain(question), /`cty`/);
    const labels = (question.blocks as { type: string; elements?: { text: { text: string } }[] }[])
      .find((b) => b.type === 'actions')
      ?.elements?.map((e) => e.text.text);
    assert.deepEqual(new Set(labels?.slice(0, 2)), new Set(['hwy', 'cty']));
    await fake.waitFor(
      'the status to say it waits',
      () => /Waiting for you: which column/.test(plain(statusOf(ts)!)) || undefined,
    );
    assert.equal(await runCount(), before + 1);
    assert.ok(!replies(ts).some((m) => /Plan\*/.test(plain(m))), 'a plan before the answer');

    // A plain reply naming the column answers it: a new run with that target, told in the same thread.
    await fake.reply({ channel: CHANNEL, user: 'UDAVE', thread_ts: ts, text: 'use cty please' });
    await fake.waitFor('the answer ack', () =>
      replies(ts).find((m) => /Predicting `cty`, as <@UDAVE> chose/.test(plain(m))),
    );
    await fake.waitFor(
      'the plan',
      () => replies(ts).find((m) => /Plan\* — predict \*cty\*/.test(plain(m))),
      60_000,
    );
    assert.match(plain(replies(ts).find((m) => /Plan\*/.test(plain(m)))!), /you chose it with --target/);
    await fake.waitFor('the card', () => replies(ts).find((m) => plain(m).includes('Model URL:')), 120_000);
    assert.equal(await runCount(), before + 2);

    // A click on a candidate's button answers too; a second click starts nothing more.
    const iris = fake.addFile(
      'iris.csv',
      await readFile(join(REPO_ROOT, 'test', 'fixtures', 'goals', 'iris.csv')),
    );
    const second = await fake.mention({
      channel: CHANNEL,
      user: 'UDAVE',
      text: 'predict the revenue, max 1 experiments',
      files: [iris],
    });
    const asked = await fake.waitFor(
      'the second question',
      () => replies(second.ts).find((m) => /Which column should I predict\?/.test(plain(m))),
      60_000,
    );
    assert.match(plain(asked), /Nothing in the goal names a column/);
    const button = findElement(
      asked.blocks,
      (e) => (e.text as { text?: string } | undefined)?.text === 'Species',
    );
    assert.ok(button, 'no Species button');
    const ackMs = await fake.click({ message: asked, user: 'UDAVE', actionId: String(button.action_id) });
    assert.ok(ackMs < 3000);
    await fake.click({ message: asked, user: 'UDAVE', actionId: String(button.action_id) });
    await fake.waitFor(
      'the plan after the click',
      () => replies(second.ts).find((m) => /Plan\* — predict \*Species\*/.test(plain(m))),
      60_000,
    );
    await fake.waitFor(
      'the second card',
      () => replies(second.ts).find((m) => plain(m).includes('Model URL:')),
      120_000,
    );
    assert.equal(replies(second.ts).filter((m) => /Predicting `Species`/.test(plain(m))).length, 1);
    assert.equal(await runCount(), before + 4);
  });

  test('`ouro up` starts the bot when Slack tokens are configured', async () => {
    const env: Record<string, string | undefined> = {
      ...process.env,
      OURO_HOME: join(config.OURO_HOME, '..', 'up-home'),
      OURO_PORT: '0',
      OURO_LOG_LEVEL: 'silent',
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_APP_TOKEN: APP_TOKEN,
      SLACK_API_URL: fake.apiUrl,
      REDIS_URL: undefined,
    };
    const up = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'up'], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<number | null>((r) => up.once('exit', r));
    try {
      await new Promise<void>((resolve, reject) => {
        up.stderr.setEncoding('utf8').on('data', (c: string) => {
          stderr += c;
          if (stderr.includes('ouro up: ready')) resolve();
        });
        void exited.then((code) => reject(new Error(`ouro up exited ${code}: ${stderr}`)));
      });
      assert.match(stderr, /ouro up: chat bot connected: Slack \(Socket Mode\)/);
      // The newest Socket Mode connection is the one `ouro up` opened: it answers.
      const { ts } = await fake.mention({ channel: CHANNEL, user: 'UALICE', text: 'what can you do?' });
      assert.match(
        plain(await fake.waitFor('the reply from ouro up', () => replies(ts)[0])),
        /Send me a CSV or TSV file/,
      );
    } finally {
      up.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
    }
    assert.match(stderr, /ouro up: stopping/);
  });
});
