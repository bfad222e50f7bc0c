/**
 * npm run bench:store — a 1 GB file (BENCH_STORE_MB) through the S3 adapter and back: multipart
 * upload from a file stream, streamed download, SHA-256 of both sides compared. Reports the
 * process's resident memory: the baseline (everything loaded, a small object already moved, just
 * before the big upload) and the peak during the transfers, sampled every 10 ms, beside the
 * kernel's own high-water mark (VmHWM). Budget: the peak stays under 200 MB.
 *
 * With OURO_STORE=s3 in the environment it uses that bucket (docs/configuration.md); otherwise
 * it starts the tests' moto server on loopback. Results land in bench/results/store.json.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig, PACKAGE_ROOT } from '../core/config.ts';
import type { ArtifactStore } from '../core/store/artifact-store.ts';
import { createArtifactStore } from '../core/store/create-store.ts';
import { UPLOAD_PART_BYTES } from '../core/store/s3-artifact-store.ts';
import { startTestS3 } from '../test/support/s3-server.ts';

const MB = 1024 * 1024;
const SIZE_MB = Number(process.env.BENCH_STORE_MB ?? 1024);
const BUDGET_MB = 200;

const rssMb = () => process.memoryUsage().rss / MB;

async function vmHwmMb(): Promise<number | null> {
  const status = await readFile('/proc/self/status', 'utf8').catch(() => '');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kb === undefined ? null : Number(kb) / 1024;
}

/** A file of `mb` MiB whose blocks all differ (a counter in each), and its SHA-256. */
async function writeBigFile(path: string, mb: number): Promise<string> {
  const hash = createHash('sha256');
  const fh = await open(path, 'w');
  const block = Buffer.alloc(MB);
  for (let i = 0; i < block.length; i++) block[i] = (i * 131) % 251;
  for (let i = 0; i < mb; i++) {
    block.writeUInt32LE(i, 0);
    block.writeUInt32LE(i ^ 0x5a5a5a5a, MB - 4);
    hash.update(block);
    await fh.write(block);
  }
  await fh.close();
  return hash.digest('hex');
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function main(): Promise<void> {
  const work = join(tmpdir(), `ouro-bench-store-${process.pid}`);
  await mkdir(work, { recursive: true });
  const fromEnv = process.env.OURO_STORE === 's3';
  const server = fromEnv ? null : await startTestS3('ouro-bench');
  const store: ArtifactStore = fromEnv ? await createArtifactStore(loadConfig()) : server!.store();
  const key = `bench/${process.pid}/big.bin`;
  try {
    const src = join(work, 'big.bin');
    const back = join(work, 'back.bin');
    process.stderr.write(`writing a ${SIZE_MB} MB file…\n`);
    const sourceHash = await writeBigFile(src, SIZE_MB);

    // Warm up: SDK modules, the HTTP agent and a first signed request, so the baseline holds them.
    await writeFile(join(work, 'small.bin'), Buffer.alloc(64 * 1024, 1));
    await store.putFile(`bench/${process.pid}/warmup.bin`, join(work, 'small.bin'));
    await store.getFile(`bench/${process.pid}/warmup.bin`, join(work, 'small.back'));
    global.gc?.();
    const baseline = rssMb();

    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 10);
    const t0 = performance.now();
    await store.putFile(key, src);
    const uploadS = (performance.now() - t0) / 1000;
    const peakUpload = peak;
    const t1 = performance.now();
    await store.getFile(key, back);
    const downloadS = (performance.now() - t1) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, rssMb());

    const backSize = (await stat(back)).size;
    const backHash = await sha256File(back);
    const hwm = await vmHwmMb();
    const result = {
      measuredAt: new Date().toISOString(),
      node: process.version,
      server: fromEnv ? 'OURO_S3_ENDPOINT' : 'moto_server (loopback)',
      fileMb: SIZE_MB,
      partMb: UPLOAD_PART_BYTES / MB,
      uploadSeconds: Number(uploadS.toFixed(1)),
      uploadMbPerS: Number((SIZE_MB / uploadS).toFixed(1)),
      downloadSeconds: Number(downloadS.toFixed(1)),
      downloadMbPerS: Number((SIZE_MB / downloadS).toFixed(1)),
      baselineRssMb: Number(baseline.toFixed(1)),
      peakRssUploadMb: Number(peakUpload.toFixed(1)),
      peakRssMb: Number(peak.toFixed(1)),
      vmHwmMb: hwm === null ? null : Number(hwm.toFixed(1)),
      hashMatches: backHash === sourceHash && backSize === SIZE_MB * MB,
      budgetMb: BUDGET_MB,
    };
    console.log(
      [
        `${SIZE_MB} MiB uploaded through the S3 adapter (multipart, ${result.partMb} MiB parts streamed from byte ranges) and downloaded back to disk, against ${result.server}; resident memory sampled every 10 ms, baseline measured in the same run just before the upload.`,
        '',
        '| file | baseline RSS | peak RSS (sampled) | VmHWM (kernel peak) | upload | download | hashes |',
        '| --- | --- | --- | --- | --- | --- | --- |',
        `| ${SIZE_MB} MiB | ${result.baselineRssMb} MB | ${result.peakRssMb} MB | ${result.vmHwmMb ?? '—'} MB | ${result.uploadSeconds} s (${result.uploadMbPerS} MB/s) | ${result.downloadSeconds} s (${result.downloadMbPerS} MB/s) | ${result.hashMatches ? 'equal' : 'DIFFERENT'} |`,
        '',
        `Budget: peak under ${BUDGET_MB} MB — ${Math.max(result.peakRssMb, result.vmHwmMb ?? 0) <= BUDGET_MB ? 'met' : 'MISSED'} (peak ${(result.peakRssMb / result.baselineRssMb).toFixed(2)}× the baseline).`,
      ].join('\n'),
    );
    if (SIZE_MB >= 1024) {
      await mkdir(join(PACKAGE_ROOT, 'bench', 'results'), { recursive: true });
      await writeFile(
        join(PACKAGE_ROOT, 'bench', 'results', 'store.json'),
        JSON.stringify(result, null, 2) + '\n',
      );
    }
    if (!result.hashMatches) throw new Error('the downloaded file differs from the uploaded one');
    const worst = Math.max(result.peakRssMb, result.vmHwmMb ?? 0);
    if (worst > BUDGET_MB)
      throw new Error(`peak RSS ${worst.toFixed(1)} MB is over the ${BUDGET_MB} MB budget`);
  } finally {
    await store.deletePrefix(`bench/${process.pid}/`).catch(() => undefined);
    await server?.stop();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:store failed: ${(err as Error).message}\n`);
  process.exit(1);
});
