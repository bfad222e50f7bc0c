import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { OuroError } from '../errors.ts';
import type { ArtifactStore, WriteCondition } from './artifact-store.ts';
import { explainS3Error, isNotFound } from './s3-errors.ts';
import { downloadFile, uploadFile, type S3Transfer } from './s3-transfer.ts';

export { UPLOAD_PART_BYTES } from './s3-transfer.ts';

export interface S3StoreOptions {
  bucket: string;
  /** Prepended to every key (e.g. `ouro/`), so one bucket can hold several deployments. */
  prefix?: string;
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  /** For tests only: the SDK's standard chain (AWS_ACCESS_KEY_ID, profiles, roles) otherwise. */
  credentials?: S3ClientConfig['credentials'];
}

/** The artifact store on any S3-compatible service (AWS S3, MinIO, moto, R2...). */
export class S3ArtifactStore implements ArtifactStore {
  readonly kind = 's3' as const;
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly where: string;

  constructor(opts: S3StoreOptions) {
    this.bucket = opts.bucket;
    this.prefix = normalisePrefix(opts.prefix ?? '');
    this.where = opts.endpoint ?? `AWS S3 (${opts.region})`;
    this.client = new S3Client({
      region: opts.region,
      forcePathStyle: opts.forcePathStyle,
      ...(opts.endpoint !== undefined ? { endpoint: opts.endpoint } : {}),
      ...(opts.credentials !== undefined ? { credentials: opts.credentials } : {}),
      // Checksums on every request are the SDK's new default; S3-compatible servers (MinIO,
      // moto, older Ceph) do not all accept them, and TLS already protects the transfer.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  private key(key: string): string {
    const clean = key.replace(/^\/+/, '');
    if (clean.split('/').some((p) => p === '..'))
      throw new OuroError('internal', `store key escapes the store: ${key}`);
    return this.prefix + clean;
  }

  /** Fails early, with the variable to fix, when the bucket is missing or the credentials are refused. */
  async checkBucket(): Promise<void> {
    await this.call('check the bucket', () =>
      this.client.send(new HeadBucketCommand({ Bucket: this.bucket })),
    );
  }

  /** Streams a file up (s3-transfer.ts: one PUT, or a multipart upload from byte ranges of the file). */
  async putFile(key: string, localPath: string): Promise<void> {
    await uploadFile(this.transfer(), key, localPath);
  }

  async getFile(key: string, localPath: string): Promise<void> {
    await downloadFile(this.transfer(), key, localPath);
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.call(`look up ${key}`, () =>
        this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(key) })),
      );
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async putBytes(key: string, data: string | Uint8Array, opts: WriteCondition = {}): Promise<boolean> {
    const conditional = opts.ifAbsent === true || opts.ifTag !== undefined;
    try {
      // One PUT is atomic on S3: readers get the old object or the new one. `If-None-Match: *`
      // makes it create-only, `If-Match: <etag>` a compare-and-swap (AWS since 2024, MinIO, moto).
      await this.call(`write ${key}`, () =>
        this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: this.key(key),
            Body: typeof data === 'string' ? Buffer.from(data) : data,
            ...(opts.ifAbsent === true ? { IfNoneMatch: '*' } : {}),
            ...(opts.ifTag !== undefined ? { IfMatch: opts.ifTag } : {}),
          }),
        ),
      );
      return true;
    } catch (err) {
      const status = (err as OuroError & { status?: number }).status;
      // 409: another conditional write to the key was in flight; the caller reads and retries.
      if (conditional && (status === 412 || status === 409 || (opts.ifTag !== undefined && status === 404)))
        return false;
      throw err;
    }
  }

  async getTagged(key: string): Promise<{ data: Buffer; tag: string } | null> {
    try {
      const res = await this.call(`read ${key}`, () =>
        this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) })),
      );
      return { data: Buffer.from(await res.Body!.transformToByteArray()), tag: res.ETag! };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async getBytes(key: string): Promise<Buffer | null> {
    try {
      const res = await this.call(`read ${key}`, () =>
        this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) })),
      );
      return Buffer.from(await res.Body!.transformToByteArray());
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const res = await this.call(`list ${prefix}`, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.key(prefix),
            ContinuationToken: token,
          }),
        ),
      );
      for (const o of res.Contents ?? []) if (o.Key !== undefined) out.push(o.Key.slice(this.prefix.length));
      token = res.IsTruncated === true ? res.NextContinuationToken : undefined;
    } while (token !== undefined);
    return out.sort();
  }

  async children(prefix: string): Promise<string[]> {
    const base = this.key(prefix);
    const out: string[] = [];
    let token: string | undefined;
    do {
      const res = await this.call(`list ${prefix}`, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: base,
            Delimiter: '/',
            ContinuationToken: token,
          }),
        ),
      );
      for (const p of res.CommonPrefixes ?? [])
        if (p.Prefix !== undefined) out.push(p.Prefix.slice(base.length));
      for (const o of res.Contents ?? [])
        if (o.Key !== undefined && o.Key !== base) out.push(o.Key.slice(base.length));
      token = res.IsTruncated === true ? res.NextContinuationToken : undefined;
    } while (token !== undefined);
    return out.sort();
  }

  async deletePrefix(prefix: string): Promise<void> {
    const keys = await this.list(prefix);
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000).map((k) => ({ Key: this.key(k) }));
      await this.call(`delete ${prefix}`, () =>
        this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch, Quiet: true } }),
        ),
      );
    }
  }

  destroy(): void {
    this.client.destroy();
  }

  /** Runs one S3 call and turns the errors a person can fix into messages naming what to fix. */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.explain(what, err);
    }
  }

  /** The store's client, bucket and call for s3-transfer.ts. */
  private transfer(): S3Transfer {
    return {
      client: this.client,
      bucket: this.bucket,
      key: (key) => this.key(key),
      call: (what, fn) => this.call(what, fn),
    };
  }

  private explain(what: string, err: unknown): unknown {
    return explainS3Error(what, err, this.bucket, this.where);
  }
}

function normalisePrefix(prefix: string): string {
  const p = prefix.replace(/^\/+/, '').replace(/\/+$/, '');
  return p === '' ? '' : `${p}/`;
}
