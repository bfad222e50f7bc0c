import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { REPO_ROOT } from './support/cli.ts';

// bin/healthcheck.js is docker-compose.yml's HEALTHCHECK: a check that always passed would let
// `docker compose up --wait` call a broken service healthy, so each outcome is checked here.

const SCRIPT = join(REPO_ROOT, 'bin', 'healthcheck.js');

function check(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

let http: Server;
let httpUrl: string;
let redis: ReturnType<typeof createTcpServer>;
let redisPort: number;
const seen: string[] = [];

before(async () => {
  http = createHttpServer((req, res) => {
    res.statusCode = req.url === '/ok' ? 200 : 503;
    res.end('{}');
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  httpUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  // Enough of Redis: AUTH with the right password, then PING.
  redis = createTcpServer((socket) => {
    socket.on('data', (chunk) => {
      const text = chunk.toString('latin1');
      seen.push(text);
      if (text.includes('AUTH'))
        socket.write(text.includes('right') ? '+OK\r\n' : '-WRONGPASS invalid password\r\n');
      if (text.includes('PING') && !text.includes('wrong')) socket.write('+PONG\r\n');
    });
  });
  await new Promise<void>((r) => redis.listen(0, '127.0.0.1', r));
  redisPort = (redis.address() as AddressInfo).port;
});
after(() => {
  http.close();
  redis.close();
});

test('http: healthy on 2xx, unhealthy on an error status or no answer', async () => {
  assert.equal((await check(['http', `${httpUrl}/ok`])).code, 0);
  const bad = await check(['http', `${httpUrl}/ok`, `${httpUrl}/down`]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /HTTP 503/);
  const closed = createTcpServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  const gone = await check(['http', `http://127.0.0.1:${port}/`]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /ECONNREFUSED/);
});

test('redis: PING answered with PONG, with the password from REDIS_URL; refused auth or no server fails', async () => {
  assert.equal((await check(['redis'], { REDIS_URL: `redis://127.0.0.1:${redisPort}` })).code, 0);
  assert.equal((await check(['redis'], { REDIS_URL: `redis://:right@127.0.0.1:${redisPort}` })).code, 0);
  assert.ok(
    seen.some((t) => t.includes('AUTH') && t.includes('right')),
    'the password was not sent',
  );
  const wrong = await check(['redis'], { REDIS_URL: `redis://:wrong@127.0.0.1:${redisPort}` });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /WRONGPASS/);
  assert.equal((await check(['redis'], { REDIS_URL: 'redis://127.0.0.1:1' })).code, 1);
  assert.match((await check(['redis'])).stderr, /REDIS_URL is not set/);
});

test('an unknown check is unhealthy, not silently healthy', async () => {
  const res = await check(['tcp']);
  assert.equal(res.code, 1);
  assert.match(res.stderr, /unknown check/);
});
