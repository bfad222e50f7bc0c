import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig, secretWeakness } from './config.ts';
import { containsSecret, redactDeep, redactSecrets, secretsInEnv } from './redact.ts';

const STRONG = 'Qm9vdHN0cmFwLXRoaXMtd2l0aC1vcGVuc3NsLXJhbmQ=';

test('the secrets of an environment: known settings, secret-named ones, the Redis password', () => {
  const found = secretsInEnv({
    SLACK_BOT_TOKEN: 'xoxb-1',
    MY_SERVICE_PASSWORD: 'hunter2hunter2',
    REDIS_URL: 'redis://:s3cr%40t-redis-pass@redis:6379',
    PATH: '/usr/bin',
    OURO_HOME: '/var/lib/ouro',
  });
  assert.ok(found.includes('xoxb-1'));
  assert.ok(found.includes('hunter2hunter2'));
  assert.ok(found.includes('s3cr@t-redis-pass'));
  assert.ok(!found.includes('/usr/bin'));
});

test('loadConfig registers every secret it sees; redaction is by value, in any text and in JSON', () => {
  const openai = 'proj-key-without-the-sk-prefix-0123456789';
  const aws = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  loadConfig({
    OPENAI_API_KEY: openai,
    AWS_SECRET_ACCESS_KEY: aws,
    OURO_INTERNAL_TOKEN: STRONG,
    REDIS_URL: 'redis://default:redis-password-99@localhost:6379',
  });
  const environ = `PATH=/bin\0OPENAI_API_KEY=${openai}\0AWS_SECRET_ACCESS_KEY=${aws}\0OURO_INTERNAL_TOKEN=${STRONG}\0REDIS_URL=redis://default:redis-password-99@x`;
  const out = redactSecrets(environ);
  for (const s of [openai, aws, STRONG, 'redis-password-99']) assert.ok(!out.includes(s), `${s} leaked`);
  assert.match(out, /PATH=\/bin/);
  assert.deepEqual(redactDeep({ message: `bad token ${STRONG}`, n: 3, list: [aws] }), {
    message: 'bad token [redacted]',
    n: 3,
    list: ['[redacted]'],
  });
  assert.equal(redactSecrets(JSON.stringify({ s: `a/${aws}` })).includes(aws), false);
  assert.equal(containsSecret(Buffer.from(`xx${openai}xx`)), true);
  assert.equal(containsSecret(Buffer.from('an honest png')), false);
});

test('placeholder and weak internal tokens are refused at start-up, saying how to make a good one', () => {
  for (const weak of [
    'change-me-to-a-long-random-string',
    'short',
    'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    'your-token-here-0123456789abcdefghijkl',
  ]) {
    assert.notEqual(secretWeakness(weak), null, weak);
    assert.throws(
      () => loadConfig({ OURO_INTERNAL_TOKEN: weak }),
      (err: Error) => {
        assert.match(err.message, /OURO_INTERNAL_TOKEN/);
        assert.match(err.message, /openssl rand -base64 32/);
        return true;
      },
    );
  }
  assert.equal(secretWeakness(STRONG), null);
  assert.equal(loadConfig({ OURO_INTERNAL_TOKEN: STRONG }).OURO_INTERNAL_TOKEN, STRONG);
});

test('the examples shipped with ouro cannot be used as they are', async () => {
  const { readFile } = await import('node:fs/promises');
  const example = await readFile(new URL('../.env.example', import.meta.url), 'utf8');
  const token = example.match(/^OURO_INTERNAL_TOKEN=(.*)$/m)?.[1] ?? '';
  assert.ok(token === '' || secretWeakness(token) !== null, `.env.example ships a usable token: ${token}`);
  const compose = await readFile(new URL('../docker-compose.yml', import.meta.url), 'utf8');
  assert.match(compose, /OURO_INTERNAL_TOKEN: \$\{OURO_INTERNAL_TOKEN:\?/);
});
