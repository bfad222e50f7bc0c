#!/usr/bin/env node
// The containers' HEALTHCHECK (docker-compose.yml): plain Node, no dependencies, because the
// image has no curl and a check must not load the whole CLI every few seconds.
//
//   node bin/healthcheck.js http <url>...   every URL answers 2xx
//   node bin/healthcheck.js redis           REDIS_URL answers PING with PONG (AUTH from the URL)
//
// Exit 0 healthy, 1 not (with the reason on stderr, which `docker inspect` shows).
import { connect } from 'node:net';

const TIMEOUT_MS = 4000;
const [mode, ...args] = process.argv.slice(2);

function fail(reason) {
  console.error(`unhealthy: ${reason}`);
  process.exit(1);
}

async function http(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) }).catch((err) => fail(`${url}: ${err.cause?.code ?? err.cause?.message ?? err.message}`));
  if (!res.ok) fail(`${url}: HTTP ${res.status}`);
  await res.body?.cancel();
}

function redisPing(raw) {
  const url = new URL(raw);
  const commands = [];
  const password = decodeURIComponent(url.password);
  const user = decodeURIComponent(url.username);
  const resp = (...words) => `*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`;
  if (password) commands.push(user ? resp('AUTH', user, password) : resp('AUTH', password));
  commands.push(resp('PING'));
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port: Number(url.port || 6379) });
    socket.setTimeout(TIMEOUT_MS, () => fail(`redis at ${url.hostname}:${url.port || 6379}: timed out`));
    let got = '';
    socket.on('connect', () => socket.write(commands.join('')));
    socket.on('data', (chunk) => {
      got += chunk.toString('latin1');
      if (got.startsWith('-')) fail(`redis: ${got.split('\r\n')[0]}`);
      if (got.includes('+PONG')) {
        socket.destroy();
        resolve();
      }
    });
    socket.on('error', (err) => fail(`redis at ${url.hostname}:${url.port || 6379}: ${err.code ?? err.message}`));
  });
}

switch (mode) {
  case 'http':
    if (args.length === 0) fail('usage: healthcheck.js http <url>...');
    for (const url of args) await http(url);
    break;
  case 'redis':
    if (!process.env.REDIS_URL) fail('REDIS_URL is not set');
    await redisPing(process.env.REDIS_URL);
    break;
  default:
    fail(`unknown check "${mode ?? ''}" (use http <url>... or redis)`);
}
process.exit(0);
