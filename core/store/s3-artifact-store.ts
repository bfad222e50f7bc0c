import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { OuroError } from '../errors.ts';
import type { ArtifactStore, WriteCondition } from './artifact-store.ts';

/**
 * Multipart sizing: S3 keeps at most 10,000 parts, so 8 MiB parts cover files up to ~80 GB;
 * `UPLOAD_QUEUE` parts are in flight at once, each streamed from its byte range of the file.
 */
export const UPLOAD_PART_BYTES = 8 * 1024 * 1024;
const UPLOAD_QUEUE = 2;

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

  /**
   * Streams a file up. Small files go in one PUT; larger ones as a multipart upload whose parts
   * are read straight from byte ranges of the file, at most UPLOAD_QUEUE at a time — so memory
   * stays flat whatever the size (no part is ever buffered whole). A failed part is retried
   * from the file; a failed upload is aborted so the bucket keeps no orphaned parts.
   */
  async putFile(key: string, localPath: string): Promise<void> {
    const size = (await stat(localPath)).size;
    const Key = this.key(key);
    if (size <= UPLOAD_PART_BYTES) {
      await this.withRetries(() =>
        this.call(`upload ${key}`, () =>
          this.client.send(
            new PutObjectCommand({
              Bucket: this.bucket,
              Key,
              Body: createReadStream(localPath),
              ContentLength: size,
            }),
          ),
        ),
      );
      return;
    }
    const { UploadId } = await this.call(`upload ${key}`, () =>
      this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key })),
    );
    try {
      const count = Math.ceil(size / UPLOAD_PART_BYTES);
      const etags: string[] = new Array(count);
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < count) {
          const n = next++;
          const start = n * UPLOAD_PART_BYTES;
          const end = Math.min(size, start + UPLOAD_PART_BYTES) - 1;
          const res = await this.withRetries(() =>
            this.call(`upload ${key} (part ${n + 1} of ${count})`, () =>
              this.client.send(
                new UploadPartCommand({
                  Bucket: this.bucket,
                  Key,
                  UploadId,
                  PartNumber: n + 1,
                  Body: createReadStream(localPath, { start, end }),
                  ContentLength: end - start + 1,
                }),
              ),
            ),
          );
          etags[n] = res.ETag!;
        }
      };
      await Promise.all(Array.from({ length: Math.min(UPLOAD_QUEUE, count) }, lane));
      await this.call(`upload ${key}`, () =>
        this.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.bucket,
            Key,
            UploadId,
            MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
          }),
        ),
      );
    } catch (err) {
      await this.client
        .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId }))
        .catch(() => undefined);
      throw err;
    }
  }

  /** A body read from a file cannot be replayed by the SDK, so transient failures are retried here with a fresh stream. */
  private async withRetries<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (err instanceof OuroError || attempt >= 3) throw err;
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  }

  async getFile(key: string, localPath: string): Promise<void> {
    const res = await this.call(`download ${key}`, () =>
      this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) })),
    );
    await mkdir(dirname(localPath), { recursive: true, mode: 0o755 });
    // Downloaded beside the target and renamed: a reader never sees half a file.
    const tmp = `${localPath}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await pipeline(res.Body as Readable, createWriteStream(tmp, { mode: 0o644 }));
      await rename(tmp, localPath);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
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

  private explain(what: string, err: unknown): unknown {
    const e = err as Error & { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    const name = e.name ?? '';
    const fixable = (message: string) =>
      Object.assign(new OuroError('config_invalid', message, { cause: err }), { status });
    if (name === 'NoSuchBucket' || (name === 'NotFound' && what === 'check the bucket')) {
      return fixable(
        `The bucket "${this.bucket}" does not exist at ${this.where}. Create it, or fix OURO_S3_BUCKET / OURO_S3_ENDPOINT.`,
      );
    }
    if (
      [
        'InvalidAccessKeyId',
        'SignatureDoesNotMatch',
        'AccessDenied',
        'InvalidToken',
        'ExpiredToken',
        'Forbidden',
      ].includes(name) ||
      status === 403
    ) {
      return fixable(
        `The object store at ${this.where} refused the credentials (${name || status}) when trying to ${what} in bucket "${this.bucket}". Check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), and that they may use the bucket.`,
      );
    }
    if (name === 'CredentialsProviderError') {
      return fixable(
        `No credentials for the object store: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) for OURO_STORE=s3.`,
      );
    }
    const network = e.code ?? (e.cause as { code?: string } | undefined)?.code;
    if (network === 'ECONNREFUSED' || network === 'ENOTFOUND' || network === 'EAI_AGAIN') {
      return fixable(
        `Cannot reach the object store at ${this.where} (${network}) to ${what}. Check OURO_S3_ENDPOINT and that the server is up.`,
      );
    }
    if (err instanceof S3ServiceException) return Object.assign(err, { status });
    return err;
  }
}

function isNotFound(err: unknown): boolean {
  // A missing bucket was already turned into an OuroError: that is not "no such key".
  if (err instanceof OuroError) return false;
  const e = err as { name?: string; status?: number; $metadata?: { httpStatusCode?: number } };
  return (
    e.name === 'NoSuchKey' || e.name === 'NotFound' || e.status === 404 || e.$metadata?.httpStatusCode === 404
  );
}

function normalisePrefix(prefix: string): string {
  const p = prefix.replace(/^\/+/, '').replace(/\/+$/, '');
  return p === '' ? '' : `${p}/`;
}
