import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { OuroError } from '../errors.ts';
import { freePort } from '../net/free-port.ts';

export interface EmbeddedRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * A private `redis-server` on a free loopback port, for `ouro up` without REDIS_URL and for
 * the tests. Data lives in `dir` (append-only file on, so a restart keeps queued runs).
 */
export async function startEmbeddedRedis(
  dir: string,
  opts: { persist?: boolean } = {},
): Promise<EmbeddedRedis> {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined) {
    throw new OuroError(
      'config_invalid',
      'redis-server is not installed. Install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or set REDIS_URL to a running Redis.',
    );
  }
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    opts.persist === false ? 'no' : 'yes',
    '--protected-mode',
    'yes',
    '--loglevel',
    'warning',
  ];
  const child: ChildProcess = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new OuroError('config_invalid', `redis-server exited at start: ${stderr.trim().slice(0, 300)}`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline)
      throw new OuroError('config_invalid', 'redis-server did not start listening within 10 s.');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
