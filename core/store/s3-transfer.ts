import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { OuroError } from '../errors.ts';

/**
 * Whole files to and from the bucket for the S3 artifact store (s3-artifact-store.ts), streamed
 * so memory stays flat whatever the size.
 */

/**
 * Multipart sizing: S3 keeps at most 10,000 parts, so 8 MiB parts cover files up to ~80 GB;
 * `UPLOAD_QUEUE` parts are in flight at once, each streamed from its byte range of the file.
 */
export const UPLOAD_PART_BYTES = 8 * 1024 * 1024;
const UPLOAD_QUEUE = 2;

/** What a transfer needs from the store: its client, its bucket and its error-explaining call. */
export interface S3Transfer {
  client: S3Client;
  bucket: string;
  /** The store's full key for `key` (its prefix added, `..` refused). */
  key: (key: string) => string;
  call: <T>(what: string, fn: () => Promise<T>) => Promise<T>;
}

/**
 * Streams a file up. Small files go in one PUT; larger ones as a multipart upload whose parts
 * are read straight from byte ranges of the file, at most UPLOAD_QUEUE at a time — so memory
 * stays flat whatever the size (no part is ever buffered whole). A failed part is retried
 * from the file; a failed upload is aborted so the bucket keeps no orphaned parts.
 */
export async function uploadFile(s3: S3Transfer, key: string, localPath: string): Promise<void> {
  const size = (await stat(localPath)).size;
  const Key = s3.key(key);
  if (size <= UPLOAD_PART_BYTES) {
    await withRetries(() =>
      s3.call(`upload ${key}`, () =>
        s3.client.send(
          new PutObjectCommand({
            Bucket: s3.bucket,
            Key,
            Body: createReadStream(localPath),
            ContentLength: size,
          }),
        ),
      ),
    );
    return;
  }
  const { UploadId } = await s3.call(`upload ${key}`, () =>
    s3.client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key })),
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
        const res = await withRetries(() =>
          s3.call(`upload ${key} (part ${n + 1} of ${count})`, () =>
            s3.client.send(
              new UploadPartCommand({
                Bucket: s3.bucket,
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
    await s3.call(`upload ${key}`, () =>
      s3.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: s3.bucket,
          Key,
          UploadId,
          MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
        }),
      ),
    );
  } catch (err) {
    await s3.client
      .send(new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key, UploadId }))
      .catch(() => undefined);
    throw err;
  }
}

/** A body read from a file cannot be replayed by the SDK, so transient failures are retried here with a fresh stream. */
async function withRetries<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof OuroError || attempt >= 3) throw err;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

/** Downloads `key` to `localPath`. */
export async function downloadFile(s3: S3Transfer, key: string, localPath: string): Promise<void> {
  const res = await s3.call(`download ${key}`, () =>
    s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: s3.key(key) })),
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
