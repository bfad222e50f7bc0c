/**
 * Files people share, end to end on the fake Slack and the fake Discord: an Excel workbook (its
 * data on the sheet the goal names, not the first) and a Parquet file each reach a deployed
 * model that answers at its URL (real worker, real sandboxed experiments).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ChatBots } from '../cli/bot-command.ts';
import { APP_TOKEN, BOT_TOKEN, plain, startFakeSlack, type FakeSlack } from './support/fake-slack.ts';
import { DISCORD_TOKEN, plainDiscord, startFakeDiscord, type FakeDiscord } from './support/fake-discord.ts';
import { binaryTable } from './support/fixtures.ts';
import { startChatStack, type ChatStack } from './support/chat-stack.ts';
import { makeTempDir } from './support/temp-dir.ts';

const CHANNEL = 'CFILES';
const PYTHON = process.env.OURO_PYTHON ?? join(process.cwd(), '.venv', 'bin', 'python');

/** The CSV as a workbook and as Parquet, written by pandas (openpyxl, pyarrow). */
async function asFormats(
  csv: string,
): Promise<{ xlsx: Buffer; parquet: Buffer; cleanup: () => Promise<void> }> {
  const dir = await makeTempDir('formats');
  // The workbook opens on a notes sheet: the goal has to name the sheet with the data.
  const script =
    'import sys, pandas as pd, io\ndf = pd.read_csv(io.StringIO(sys.stdin.read()))\nwith pd.ExcelWriter(sys.argv[1] + "/t.xlsx") as w:\n    pd.DataFrame({"note": ["exported from the CRM"], "n": [1]}).to_excel(w, index=False, sheet_name="About")\n    df.to_excel(w, index=False, sheet_name="Customers")\ndf.to_parquet(sys.argv[1] + "/t.parquet")\n';
  execFileSync(PYTHON, ['-c', script, dir.path], { input: csv });
  const { readFile } = await import('node:fs/promises');
  return {
    xlsx: await readFile(join(dir.path, 't.xlsx')),
    parquet: await readFile(join(dir.path, 't.parquet')),
    cleanup: dir.cleanup,
  };
}

describe('files people share', { concurrency: false }, () => {
  let stack: ChatStack;
  let fake: FakeSlack;
  let bots: ChatBots;

  before(async () => {
    fake = await startFakeSlack();
    stack = await startChatStack(
      'chat-formats',
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

  test('an .xlsx upload and a .parquet upload each reach a deployed model', async () => {
    const csv = binaryTable({ rows: 160 });
    const files = await asFormats(csv);
    try {
      for (const [name, bytes, model] of [
        ['customers.xlsx', files.xlsx, 'churn-xlsx'],
        ['customers.parquet', files.parquet, 'churn-parquet'],
      ] as const) {
        const file = fake.addFile(name, bytes);
        const { ts } = await fake.mention({
          channel: CHANNEL,
          user: 'UJO',
          text: `predict churn${name.endsWith('.xlsx') ? ', use the sheet Customers' : ''}, max 1 experiments, budget 2m --name ${model}`,
          files: [file],
        });
        const thread = () => fake.thread(CHANNEL, ts);
        const card = await fake
          .waitFor(
            `the card for ${name}`,
            () => {
              if (thread().some((m) => /The run failed/.test(plain(m))))
                throw new Error(`the run on ${name} failed`);
              return thread().find((m) => plain(m).includes('Model URL:'));
            },
            180_000,
          )
          .catch((err: unknown) => {
            throw new Error(`${(err as Error).message}\n${thread().map(plain).join('\n---\n')}`);
          });
        const url = /Model URL:\* (\S+)/.exec(plain(card))?.[1];
        // The thread says which sheet was read.
        if (name.endsWith('.xlsx'))
          assert.ok(
            thread().some((m) => plain(m).includes("read the sheet 'Customers', as the goal asked")),
            thread().map(plain).join('\n---\n'),
          );
        // The requester is pinged at the end; "why?" in the finished thread is answered from the card.
        await fake.waitFor(
          'the ping',
          () =>
            thread().find((m) =>
              new RegExp(`🔔 <@UJO>, your run on \`${name.replace('.', '\\.')}\` finished`).test(plain(m)),
            ),
          30_000,
        );
        await fake.reply({ channel: CHANNEL, user: 'UJO', thread_ts: ts, text: 'why?' });
        const why = await fake.waitFor(
          'the explanation',
          () => thread().find((m) => plain(m).includes(`Why ${model} v1`)),
          15_000,
        );
        assert.match(plain(why), /held-out rows/);
        assert.equal(url, `${stack.server.url}/v1/models/${model}/predict`);
        const key = /(ouro_[A-Za-z0-9_-]{32})/.exec(
          plain(fake.messages.find((m) => m.channel === fake.imOf('UJO') && plain(m).includes(model))!),
        )![1]!;
        const [header, first] = csv.split('\n');
        const names = header!.split(',');
        const row = Object.fromEntries(
          names
            .map((n, i) => [n, first!.split(',')[i]!])
            .filter(([n]) => n !== 'churn')
            .map(([n, v]) => [n, /^-?\d+(\.\d+)?$/.test(v!) ? Number(v) : v]),
        );
        let status = 0;
        let body = '';
        for (let i = 0; i < 120 && status !== 200; i++) {
          const res = await fetch(url!, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify([row]),
          });
          status = res.status;
          body = await res.text();
          if (status !== 200) await new Promise((r) => setTimeout(r, 500));
        }
        assert.equal(status, 200, `${model} never answered: ${body}`);
      }
    } finally {
      await files.cleanup();
    }
  });
});

/** A row of the table without the target, typed as JSON, for the model URL. */
function firstRow(csv: string): Record<string, unknown> {
  const [header, first] = csv.split('\n');
  const names = header!.split(',');
  return Object.fromEntries(
    names
      .map((n, i) => [n, first!.split(',')[i]!])
      .filter(([n]) => n !== 'churn')
      .map(([n, v]) => [n, /^-?\d+(\.\d+)?$/.test(v!) ? Number(v) : v]),
  );
}

describe('files people share, on Discord', { concurrency: false }, () => {
  const DCHANNEL = '700000000000000501';
  let stack: ChatStack;
  let fake: FakeDiscord;
  let bots: ChatBots;

  before(async () => {
    fake = await startFakeDiscord([DCHANNEL]);
    stack = await startChatStack(
      'chat-formats-discord',
      { DISCORD_TOKEN, DISCORD_API_URL: fake.apiUrl },
      { pacing: { postGapMs: 100, updateGapMs: 400, tickMs: 2000 } },
    );
    bots = await stack.startBots();
  });

  after(async () => {
    await bots?.close();
    await stack?.close();
    await fake?.stop();
  });

  test('an .xlsx upload and a .parquet upload each reach a deployed model', async () => {
    const csv = binaryTable({ rows: 160 });
    const files = await asFormats(csv);
    const user = '600000000000000501';
    try {
      for (const [name, bytes, model] of [
        ['customers.xlsx', files.xlsx, 'dchurn-xlsx'],
        ['customers.parquet', files.parquet, 'dchurn-parquet'],
      ] as const) {
        const { id } = fake.message({
          channel: DCHANNEL,
          user,
          mention: true,
          text: `predict churn${name.endsWith('.xlsx') ? ', use the sheet Customers' : ''}, max 1 experiments, budget 2m --name ${model}`,
          attachments: [fake.addFile(name, bytes)],
        });
        const thread = await fake.waitFor('the thread', () => fake.threadOf(id), 15_000);
        const said = () => fake.inChannel(thread).map(plainDiscord);
        const card = await fake
          .waitFor(
            `the card for ${name}`,
            () => {
              if (said().some((m) => /The run failed/.test(m))) throw new Error(`the run on ${name} failed`);
              return said().find((m) => m.includes('Model URL:'));
            },
            180_000,
          )
          .catch((err: unknown) => {
            throw new Error(`${(err as Error).message}\n${said().join('\n---\n')}`);
          });
        if (name.endsWith('.xlsx'))
          assert.ok(
            said().some((m) => m.includes("read the sheet 'Customers', as the goal asked")),
            said().join('\n---\n'),
          );
        const url = /Model URL:\*\* (\S+)/.exec(card)?.[1];
        assert.equal(url, `${stack.server.url}/v1/models/${model}/predict`);
        const key = /(ouro_[A-Za-z0-9_-]{32})/.exec(
          fake
            .inChannel(`dm-${user}`)
            .map(plainDiscord)
            .find((m) => m.includes(model))!,
        )![1]!;
        let status = 0;
        let body = '';
        for (let i = 0; i < 120 && status !== 200; i++) {
          const res = await fetch(url!, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify([firstRow(csv)]),
          });
          status = res.status;
          body = await res.text();
          if (status !== 200) await new Promise((r) => setTimeout(r, 500));
        }
        assert.equal(status, 200, `${model} never answered: ${body}`);
      }
    } finally {
      await files.cleanup();
    }
  });
});
