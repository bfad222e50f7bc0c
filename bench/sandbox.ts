/**
 * npm run bench:sandbox — start-to-exit time of `python -c pass` through each sandbox driver,
 * beside the same interpreter run bare (no sandbox), all in one run: p50 (and p90) of
 * BENCH_RUNS runs each (default 20), after two warm-up runs. Targets (docs/sandbox.md):
 * process ≤ 0.3 s, docker ≤ 1 s. A driver this host cannot use is reported as such.
 * Results land in bench/results/sandbox.json.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PACKAGE_ROOT, loadConfig } from '../core/config.ts';
import { isOuroError } from '../core/errors.ts';
import { HARNESS_DIR, sandboxImage } from '../sandbox/create-driver.ts';
import { createDockerDriver } from '../sandbox/docker/docker-driver.ts';
import { DEFAULT_LIMITS, type SandboxDriver } from '../sandbox/driver.ts';
import { createProcessDriver } from '../sandbox/process/process-driver.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const WARMUP = 2;
const TARGETS: Record<string, number> = { process: 300, docker: 1000 };

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function bare(python: string, cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(python, ['-c', 'pass'], { cwd, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(performance.now() - t0) : reject(new Error(`bare python exited ${code}`)),
    );
  });
}

async function viaDriver(driver: SandboxDriver, cwd: string): Promise<number> {
  const t0 = performance.now();
  const r = await driver.run({
    command: ['python', '-c', 'pass'],
    cwd,
    mounts: [{ path: cwd, writable: true }],
    limits: DEFAULT_LIMITS,
    timeoutMs: 30_000,
  });
  const ms = performance.now() - t0;
  if (r.exitCode !== 0)
    throw new Error(`${driver.name}: exit ${r.exitCode ?? r.signal}: ${r.stderr.slice(-500)}`);
  return ms;
}

async function sample(
  fn: () => Promise<number>,
): Promise<{ p50: number; p90: number; min: number; runs: number }> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await fn());
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), p90: quantile(times, 0.9), min: times[0]!, runs: RUNS };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const dir = await mkdtemp(join(tmpdir(), 'ouro-bench-sandbox-'));
  await chmod(dir, 0o755);
  const cwd = join(dir, 'exp');
  await mkdir(cwd, { mode: 0o755 });
  await chmod(cwd, 0o755);
  const rows: { name: string; p50?: number; p90?: number; min?: number; target?: number; note?: string }[] =
    [];
  try {
    rows.push({ name: 'bare (no sandbox)', ...(await sample(() => bare(config.OURO_PYTHON, cwd))) });
    const drivers: [string, () => SandboxDriver][] = [
      ['process', () => createProcessDriver({ python: config.OURO_PYTHON, harnessDir: HARNESS_DIR })],
      ['docker', () => createDockerDriver({ image: sandboxImage(config), harnessDir: HARNESS_DIR })],
    ];
    for (const [name, make] of drivers) {
      let driver: SandboxDriver;
      try {
        driver = make();
      } catch (err) {
        rows.push({ name, note: `unavailable: ${isOuroError(err) ? err.message : (err as Error).message}` });
        continue;
      }
      rows.push({
        name,
        ...(await sample(() => viaDriver(driver, cwd))),
        target: TARGETS[name]!,
        note: driver.describe(),
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const fmt = (ms: number | undefined) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(3)} s`);
  console.log(`python -c pass, start to exit (${RUNS} runs each after ${WARMUP} warm-up)\n`);
  console.log('| run | p50 | p90 | min | target |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const verdict = r.target === undefined || r.p50 === undefined ? '' : r.p50 <= r.target ? ' ✓' : ' ✗';
    console.log(
      `| ${r.name} | ${fmt(r.p50)} | ${fmt(r.p90)} | ${fmt(r.min)} | ${r.target === undefined ? '' : `≤ ${fmt(r.target)}${verdict}`} |`,
    );
  }
  for (const r of rows) if (r.note !== undefined) console.log(`\n${r.name}: ${r.note}`);
  const out = join(PACKAGE_ROOT, 'bench', 'results', 'sandbox.json');
  await mkdir(join(PACKAGE_ROOT, 'bench', 'results'), { recursive: true });
  await writeFile(out, JSON.stringify({ date: new Date().toISOString(), runs: RUNS, rows }, null, 2) + '\n');
  console.error(`written to ${out}`);
  const missed = rows.filter((r) => r.target !== undefined && r.p50 !== undefined && r.p50 > r.target);
  if (missed.length > 0) process.exitCode = 1;
}

await main();
