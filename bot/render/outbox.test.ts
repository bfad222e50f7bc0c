import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../core/logger.ts';
import { RateLimitedError, type ChatPort } from '../chat-port.ts';
import { textMessage, type ChatMessage } from './chat-message.ts';
import { Outbox } from './outbox.ts';
import { registerSecrets } from '../../core/redact.ts';

/** A chat platform in memory that records calls and answers "rate limited" when told to. */
class RecordingChat implements ChatPort {
  calls: { op: string; channel: string; text: string; at: number }[] = [];
  limited = 0;
  retryAfterMs = 200;
  private n = 0;
  private take(op: string, channel: string, m: ChatMessage) {
    if (this.limited > 0) {
      this.limited -= 1;
      this.calls.push({ op: `${op}:429`, channel, text: m.text, at: Date.now() });
      throw new RateLimitedError(this.retryAfterMs);
    }
    this.calls.push({ op, channel, text: m.text, at: Date.now() });
  }
  async post(channel: string, _t: string | undefined, m: ChatMessage) {
    this.take('post', channel, m);
    return { id: `m${++this.n}` };
  }
  async update(channel: string, _id: string, m: ChatMessage) {
    this.take('update', channel, m);
  }
  async postPrivate(channel: string, _u: string, _t: string | undefined, m: ChatMessage) {
    this.take('private', channel, m);
  }
  async postDirect(user: string, m: ChatMessage) {
    this.take('direct', `dm:${user}`, m);
  }
  async upload(channel: string) {
    this.calls.push({ op: 'upload', channel, text: '', at: Date.now() });
  }
}

const logger = createLogger('silent');

test('posts in one channel keep their order and a gap; another channel is not held up', async () => {
  const chat = new RecordingChat();
  const outbox = new Outbox({ chat, logger, postGapMs: 100 });
  await Promise.all([
    outbox.post('C1', 't', textMessage('one')),
    outbox.post('C1', 't', textMessage('two')),
    outbox.post('C1', 't', textMessage('three')),
    outbox.post('C2', 't', textMessage('other')),
  ]);
  const c1 = chat.calls.filter((c) => c.channel === 'C1');
  assert.deepEqual(
    c1.map((c) => c.text),
    ['one', 'two', 'three'],
  );
  assert.ok(c1[2]!.at - c1[0]!.at >= 190, `gaps too short: ${c1.map((c) => c.at - c1[0]!.at)}`);
  const c2 = chat.calls.find((c) => c.channel === 'C2')!;
  assert.ok(c2.at - c1[0]!.at < 90, 'C2 waited for C1');
});

test('edits of one message are coalesced: at most one per gap, the newest content wins, unchanged content is not resent', async () => {
  const chat = new RecordingChat();
  const outbox = new Outbox({ chat, logger, updateGapMs: 150 });
  for (let i = 1; i <= 20; i++) {
    outbox.update('C1', 'm1', textMessage(`v${i}`));
    await new Promise((r) => setTimeout(r, 10));
  }
  await outbox.flush();
  const updates = chat.calls.filter((c) => c.op === 'update');
  assert.ok(updates.length <= 3, `${updates.length} edits for 200 ms of changes`);
  assert.equal(updates.at(-1)!.text, 'v20');
  outbox.update('C1', 'm1', textMessage('v20'));
  await outbox.flush();
  assert.equal(chat.calls.filter((c) => c.op === 'update').length, updates.length);
});

test('a rate-limited call waits the time the platform asked, then goes out; the channel waits with it', async () => {
  const chat = new RecordingChat();
  chat.limited = 2;
  chat.retryAfterMs = 150;
  const outbox = new Outbox({ chat, logger, postGapMs: 0 });
  const started = Date.now();
  const [id] = await Promise.all([
    outbox.post('C1', 't', textMessage('first')),
    outbox.post('C1', 't', textMessage('second')),
  ]);
  assert.equal(id, 'm1');
  assert.deepEqual(
    chat.calls.map((c) => c.op),
    ['post:429', 'post:429', 'post', 'post'],
  );
  assert.deepEqual(
    chat.calls.filter((c) => c.op === 'post').map((c) => c.text),
    ['first', 'second'],
  );
  assert.ok(chat.calls[2]!.at - started >= 290, 'retried before Retry-After');
});

test('after too many rate-limited answers the call fails instead of waiting for ever', async () => {
  const chat = new RecordingChat();
  chat.limited = 10;
  chat.retryAfterMs = 10;
  const outbox = new Outbox({ chat, logger, maxAttempts: 3 });
  await assert.rejects(outbox.post('C1', undefined, textMessage('x')), RateLimitedError);
  assert.equal(chat.calls.length, 3);
  // The lane is not poisoned: the next call goes out.
  chat.limited = 0;
  assert.equal(await outbox.post('C1', undefined, textMessage('y')), 'm1');
});

test('every secret the host holds is redacted from what the bot says; a file carrying one is not uploaded', async () => {
  const secret = `xoxb-${'7'.repeat(12)}-redaction-canary`;
  registerSecrets([secret]);
  const chat = new RecordingChat();
  const outbox = new Outbox({ chat, logger, postGapMs: 0, updateGapMs: 0 });
  const id = await outbox.post('C1', 't', textMessage(`internal error (Unexpected token in ${secret})`));
  outbox.update('C1', id, textMessage(`status: ${secret}`));
  await outbox.postPrivate('C1', 'U1', 't', textMessage(`your key: ${secret}`));
  await outbox.flush();
  assert.deepEqual(chat.calls.map((c) => c.text).sort(), [
    'internal error (Unexpected token in [redacted])',
    'status: [redacted]',
    'your key: [redacted]',
  ]);
  // The one message a new model key is meant to reach: allowed by value, for that message only.
  await outbox.postPrivate('C1', 'U1', 't', textMessage(`your key: ${secret}`), [secret]);
  assert.equal(chat.calls.at(-1)!.text, `your key: ${secret}`);
  await assert.rejects(
    outbox.upload('C1', 't', {
      filename: 'chart.png',
      title: 'chart',
      data: Buffer.from(`PNG...${secret}...`),
    }),
    /contains a secret/,
  );
  assert.equal(chat.calls.filter((c) => c.op === 'upload').length, 0);
});
