import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { OuroError } from '../../core/errors.ts';
import type { ArtifactStore } from '../../core/store/artifact-store.ts';
import { fmtBytes } from './choose-upload.ts';

/**
 * Streams a downloaded file into the artifact store under `key`, counting bytes as they come:
 * past `maxBytes` the download is cut and nothing is stored (a declared size can lie). The
 * file is never held in memory.
 */
export async function saveCappedDownload(
  res: Response,
  opts: { maxBytes: number; store: ArtifactStore; key: string; filename: string },
): Promise<number> {
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  const tooLarge = () =>
    new OuroError(
      'input_too_large',
      `\`${opts.filename}\` is larger than the ${fmtBytes(opts.maxBytes)} limit (OURO_MAX_UPLOAD_MB). Send a sample of the rows, or ask an admin to raise the limit.`,
    );
  if (Number.isFinite(declared) && declared > opts.maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (res.body === null) throw new OuroError('input_empty', `\`${opts.filename}\` came back empty.`);
  const dir = await mkdtemp(join(tmpdir(), 'ouro-upload-'));
  const path = join(dir, 'upload');
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > opts.maxBytes) done(tooLarge());
      else done(null, chunk);
    },
  });
  try {
    await pipeline(
      Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
      counter,
      createWriteStream(path, { mode: 0o644 }),
    );
    if (size === 0) throw new OuroError('input_empty', `\`${opts.filename}\` is empty.`);
    await opts.store.putFile(opts.key, path);
    return size;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
