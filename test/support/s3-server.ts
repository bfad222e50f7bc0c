import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { S3ArtifactStore } from '../../core/store/s3-artifact-store.ts';
import { REPO_ROOT } from './cli.ts';
import { freePort } from '../../core/net/free-port.ts';

/**
 * The one place tests find their S3-speaking server: `moto_server` from the pinned virtualenv
 * that `npm run setup` builds in .tools/moto (scripts/setup.sh). OURO_TEST_MOTO overrides it.
 */
export const MOTO_SERVER =
  process.env.OURO_TEST_MOTO ?? join(REPO_ROOT, '.tools', 'moto', 'bin', 'moto_server');

/** Credentials moto accepts; they are test values, never real ones. */
export const TEST_S3_CREDENTIALS = { accessKeyId: 'ouro-test-key', secretAccessKey: 'ouro-test-secret' };

export interface TestS3Server {
  endpoint: string;
  bucket: string;
  /** The variables a child `ouro` process needs to use this bucket. */
  env: Record<string, string>;
  /** A store on the bucket, with `prefix` when given. */
  store(prefix?: string): S3ArtifactStore;
  stop(): Promise<void>;
}

/** A real S3 server (moto) on a free loopback port with one empty bucket; stop() kills it. */
export async function startTestS3(bucket = 'ouro-test'): Promise<TestS3Server> {
  if (!existsSync(MOTO_SERVER))
    throw new Error(
      `${MOTO_SERVER} is missing: run \`npm run setup\` (it builds .tools/moto with a pinned moto[server]).`,
    );
  const port = await freePort();
  // moto_server's own interpreter runs a launcher that makes conditional writes atomic, as on S3.
  const child: ChildProcess = spawn(
    join(dirname(MOTO_SERVER), 'python'),
    [join(REPO_ROOT, 'test', 'support', 'moto_atomic.py'), '-H', '127.0.0.1', '-p', String(port)],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' },
    },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-4000)));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${stderr}`);
    const up = await fetch(`${endpoint}/moto-api/`).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not answer on ${endpoint} within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const admin = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: TEST_S3_CREDENTIALS,
  });
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  admin.destroy();
  return {
    endpoint,
    bucket,
    env: {
      OURO_STORE: 's3',
      OURO_S3_BUCKET: bucket,
      OURO_S3_ENDPOINT: endpoint,
      OURO_S3_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: TEST_S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_S3_CREDENTIALS.secretAccessKey,
    },
    store: (prefix?: string) =>
      new S3ArtifactStore({
        bucket,
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: TEST_S3_CREDENTIALS,
        ...(prefix !== undefined ? { prefix } : {}),
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
