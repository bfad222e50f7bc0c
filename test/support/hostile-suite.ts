/**
 * The hostile-script suite of docs/architecture.md ("The sandbox"), shared by every sandbox driver: each driver's test
 * file calls hostileSuite() (and startSuite()) with a factory, and the same scripts run against
 * it. Every hostile run must be contained, reported with the crash class the run loop would
 * give it (classifyCrash), and followed by a healthy run: the host and the next experiment are
 * unaffected.
 *
 * A new driver gets the whole suite by calling these two functions from its test file
 * (sandbox/process/process-driver.test.ts, sandbox/docker/docker-driver.test.ts).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CrashClass } from '../../core/schemas/diagnosis.ts';
import { isOuroError } from '../../core/errors.ts';
import { classifyCrash } from '../../worker/diagnosis/classify-crash.ts';
import {
  DEFAULT_LIMITS,
  type Mount,
  type SandboxDriver,
  type SandboxLimits,
  type SandboxResult,
} from '../../sandbox/driver.ts';

export interface SuiteTarget {
  /** Shown in the test names ('process', 'docker'). */
  label: string;
  /** Why the suite cannot run here (it is then skipped with that reason), or null. */
  skip: string | null;
  /** Builds the driver; called once, when the suite starts. */
  driver: () => SandboxDriver;
  /** The harness folder the driver mounts (PYTHONPATH's first entry). */
  harnessDir: string;
  /** sys.prefix inside the sandbox. */
  pythonPrefix: string;
  /** Whether a sandbox may run as this uid when the host runs as root (gid is always 65534). */
  isSandboxUid: (uid: number) => boolean;
  /**
   * TypeScript module source that creates the same driver as `driver` (an exported const
   * named `driver`), for the test in which the host process is killed mid-run.
   */
  childDriverModule: string;
}

const ROOT = process.getuid?.() === 0;

/** The keys of sandboxEnv()'s allow-list. */
export const ALLOWED_ENV_KEYS = [
  'PATH',
  'HOME',
  'LANG',
  'PYTHONPATH',
  'PYTHONDONTWRITEBYTECODE',
  'PYTHONUNBUFFERED',
  'MPLBACKEND',
  'OMP_NUM_THREADS',
  'OPENBLAS_NUM_THREADS',
  'MKL_NUM_THREADS',
];

export const ENV_SCRIPT = `
import json, os, sys
print(json.dumps({"env": dict(os.environ), "executable": sys.executable, "prefix": sys.prefix,
                  "path": sys.path, "uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups()}))
`;

/** What the run loop would call a run like this (an experiment that wrote no model and no metrics). */
export function crashClass(r: SandboxResult): CrashClass {
  return classifyCrash({
    exitCode: r.exitCode,
    timedOut: r.timedOut,
    oomKilled: r.oomKilled,
    stderr: r.stderr,
    missingOutputs: r.exitCode === 0 ? ['model/', 'metrics.json'] : [],
  }).class;
}

export interface Dirs {
  root: string;
  exp: string;
  input: string;
  vault: string;
}

const made: string[] = [];

/** A run folder like the worker's: an experiment dir, a read-only input dir, and a root-only vault beside them. */
export async function runDirs(): Promise<Dirs> {
  const root = await mkdtemp(join(tmpdir(), 'ouro-sbx-'));
  await chmod(root, 0o755);
  made.push(root);
  const exp = join(root, 'exp');
  const input = join(root, 'input');
  const vault = join(root, 'vault');
  await mkdir(exp, { mode: 0o755 });
  await mkdir(input, { mode: 0o755 });
  await mkdir(vault, { mode: 0o700 });
  await chmod(exp, 0o755);
  await chmod(input, 0o755);
  await chmod(vault, 0o700);
  await writeFile(join(input, 'data.csv'), 'a,b\n1,2\n', { mode: 0o644 });
  await writeFile(join(vault, 'holdout.csv'), 'vault-secret-row\n', { mode: 0o600 });
  return { root, exp, input, vault };
}

export interface PyOptions {
  args?: string[];
  limits?: Partial<SandboxLimits>;
  timeoutMs?: number;
  signal?: AbortSignal;
  env?: Record<string, string>;
  mounts?: Mount[];
}

export function runPy(
  driver: SandboxDriver,
  d: Dirs,
  script: string,
  opts: PyOptions = {},
): Promise<SandboxResult> {
  return driver.run({
    command: ['python', '-c', script, ...(opts.args ?? [])],
    cwd: d.exp,
    mounts: opts.mounts ?? [{ path: d.input }, { path: d.exp, writable: true }],
    limits: { ...DEFAULT_LIMITS, ...opts.limits },
    timeoutMs: opts.timeoutMs ?? 20_000,
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}

/** The sandbox still works after whatever the previous test did to it. */
export async function assertHealthy(driver: SandboxDriver): Promise<void> {
  const d = await runDirs();
  const r = await runPy(driver, d, 'print("alive")');
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.stdout, 'alive\n');
  assert.equal(
    spawnSync('sh', ['-c', 'echo ok']).stdout.toString(),
    'ok\n',
    'the host can still start processes',
  );
}

/** Host processes whose command line carries `token` (forks of a hostile script inherit its argv). */
export function processesWith(token: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(token)) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

/**
 * The processes carrying `token` once a killed tree has had `graceMs` to be reaped: SIGKILL is
 * sent to the whole group at once, but on a loaded machine the kernel may take a moment to
 * remove the last of them from /proc. A survivor is still reported.
 */
export async function survivorsOf(token: string, graceMs = 2000): Promise<number[]> {
  const deadline = Date.now() + graceMs;
  let left = processesWith(token);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(50);
    left = processesWith(token);
  }
  return left;
}

/** Whether the sandboxed python carrying `token` itself runs (not only the wrappers before it). */
export function pythonRunning(token: string): boolean {
  return processesWith(token).some((pid) => {
    try {
      const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
      return /python[\d.]*$/.test(argv0);
    } catch {
      return false;
    }
  });
}

export function token(): string {
  return `ouro-test-${process.pid}-${Math.random().toString(36).slice(2)}`;
}

async function gone(t: string, withinMs: number): Promise<number[]> {
  const deadline = Date.now() + withinMs;
  let left = processesWith(t);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(100);
    left = processesWith(t);
  }
  return left;
}

const SECRET = 's3cr3t-ouro-hostile';
const API_KEY = 'sk-hostile-suite-do-not-leak-0123456789';
const AWS_KEY_ID = 'AKIAHOSTILESUITE0000';
const AWS_SECRET = 'aws-secret-hostile-suite-do-not-leak';

const DAEMON = `
import os, sys, time
hb = os.path.join(os.getcwd(), "heartbeat")
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        while True:
            with open(hb, "a") as f:
                f.write("b")
            time.sleep(0.1)
    os._exit(0)
`;

/** Registers the hostile-script suite for one driver. */
export function hostileSuite(target: SuiteTarget): void {
  describe(`hostile scripts: ${target.label} driver`, { skip: target.skip ?? false }, () => {
    let driver: SandboxDriver;
    const py = (d: Dirs, script: string, opts?: PyOptions) => runPy(driver, d, script, opts);
    const healthy = () => assertHealthy(driver);

    before(() => {
      // Set before any sandbox starts: they must not show up anywhere inside one.
      process.env.OURO_TEST_SECRET = SECRET;
      process.env.OPENAI_API_KEY = API_KEY;
      // The object store's credentials (OURO_STORE=s3) are in a worker's environment too.
      process.env.AWS_ACCESS_KEY_ID = AWS_KEY_ID;
      process.env.AWS_SECRET_ACCESS_KEY = AWS_SECRET;
      driver = target.driver();
    });
    after(async () => {
      delete process.env.OURO_TEST_SECRET;
      delete process.env.OPENAI_API_KEY;
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
      for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
    });

    test('python -c pass runs the sandbox interpreter', async () => {
      const d = await runDirs();
      const r = await py(d, 'pass');
      assert.equal(r.exitCode, 0, r.stderr);
      assert.equal(r.stdout, '');
      assert.equal(r.timedOut || r.oomKilled || r.cancelled, false);
      assert.ok(r.durationMs >= 0 && r.durationMs < 5000);
    });

    test('the environment is the allow-list, nothing else from the host', async () => {
      const d = await runDirs();
      process.env.OPENBLAS_CORETYPE = 'Haswell';
      process.env.PYTHONPATH = '/host/should/not/leak';
      try {
        const r = await py(d, ENV_SCRIPT, { env: { OURO_DATA_DIR: d.input }, limits: { cpus: 3 } });
        assert.equal(r.exitCode, 0, r.stderr);
        const out = JSON.parse(r.stdout) as {
          env: Record<string, string>;
          prefix: string;
          path: string[];
          uid: number;
          gid: number;
          groups: number[];
        };
        const expected = [...ALLOWED_ENV_KEYS, 'OPENBLAS_CORETYPE', 'OURO_DATA_DIR'];
        if (process.env.OPENBLAS_L2_SIZE) expected.push('OPENBLAS_L2_SIZE');
        // The runtime's own: bwrap sets PWD to the --chdir folder, docker sets HOSTNAME.
        const keys = Object.keys(out.env).filter(
          (k) =>
            !(k === 'PWD' && out.env.PWD === d.exp) && !(k === 'HOSTNAME' && out.env.HOSTNAME === 'sandbox'),
        );
        assert.deepEqual(keys.sort(), expected.sort());
        assert.equal(out.env.PATH, '/usr/bin:/bin');
        assert.equal(out.env.HOME, '/tmp');
        assert.equal(out.env.LANG, 'C.UTF-8');
        assert.equal(out.env.PYTHONPATH, target.harnessDir);
        assert.equal(out.env.OMP_NUM_THREADS, '3');
        assert.equal(out.env.OPENBLAS_NUM_THREADS, '3');
        assert.equal(out.env.MKL_NUM_THREADS, '3');
        assert.equal(out.env.MPLBACKEND, 'Agg');
        assert.equal(out.env.OPENBLAS_CORETYPE, 'Haswell');
        assert.equal(out.env.OURO_DATA_DIR, d.input);
        assert.ok(out.path.includes(target.harnessDir));
        assert.equal(out.prefix, target.pythonPrefix);
        if (ROOT) {
          assert.ok(target.isSandboxUid(out.uid), `uid ${out.uid}`);
          assert.equal(out.gid, 65534);
          // No supplementary groups beyond its own (docker lists the primary gid there too).
          assert.ok(
            out.groups.every((g) => g === 65534),
            `groups ${out.groups}`,
          );
        }
        assert.ok(!r.stdout.includes(SECRET) && !r.stdout.includes(API_KEY));
      } finally {
        delete process.env.OPENBLAS_CORETYPE;
        delete process.env.PYTHONPATH;
      }
    });

    test('the harness package imports from PYTHONPATH', async () => {
      const d = await runDirs();
      const r = await py(
        d,
        'import ouro_harness, os; print(os.path.dirname(list(ouro_harness.__path__)[0]))',
      );
      assert.equal(r.exitCode, 0, r.stderr);
      assert.equal(r.stdout.trim(), target.harnessDir);
    });

    test('pandas, scikit-learn and lightgbm import and train under the default 4096 MB', async () => {
      const d = await runDirs();
      const script = `
import numpy as np, pandas as pd, lightgbm, sklearn
from sklearn.linear_model import LogisticRegression
X = np.random.rand(500, 5); y = (X[:, 0] > 0.5).astype(int)
lightgbm.LGBMClassifier(n_estimators=10, verbose=-1).fit(X, y)
LogisticRegression().fit(pd.DataFrame(X), y)
print("trained")
`;
      // What is under test is the memory limit, not the speed: the first container of a fresh
      // image imports these from a cold page cache, which on a busy CI machine took over 20 s.
      const r = await py(d, script, { timeoutMs: 120_000 });
      assert.equal(
        r.exitCode,
        0,
        `timed out: ${r.timedOut}, oom: ${r.oomKilled}, ${r.durationMs} ms\n${r.stderr}`,
      );
      assert.equal(r.stdout.trim(), 'trained');
    });

    test('fork bomb: held by the process limit, killed at the timeout → timeout; no fork survives', async () => {
      const d = await runDirs();
      const t = token();
      const script = `
import os, time
while True:
    try:
        os.fork()
    except OSError:
        time.sleep(0.01)
`;
      let peak = 0;
      const run = py(d, script, { args: [t], limits: { pids: 64 }, timeoutMs: 2500 });
      const sampler = setInterval(() => {
        peak = Math.max(peak, processesWith(t).length);
      }, 100);
      const r = await run.finally(() => clearInterval(sampler));
      assert.equal(r.timedOut, true);
      assert.equal(r.oomKilled, false);
      assert.equal(crashClass(r), 'timeout');
      assert.ok(peak > 5, `the bomb did fork (${peak})`);
      // Exact as root (rlimit) and in a container (pids cgroup; +1 for its init); otherwise
      // the user's task count at start + 64, and the test process's own threads come and go.
      const bound = ROOT || target.label === 'docker' ? 65 : 64 + 32;
      assert.ok(peak <= bound, `at most ${bound} processes at once, saw ${peak}`);
      assert.deepEqual(await gone(t, 2000), [], 'no fork survives the run');
      await healthy();
    });

    test('memory balloon (8 GB) under a 1 GB limit → oomKilled, class memory', async () => {
      const d = await runDirs();
      const script = `
chunks = []
for _ in range(32):
    chunks.append(bytearray(256 * 1024 * 1024))
print("allocated 8 GB")
`;
      const r = await py(d, script, { limits: { memoryMb: 1024 } });
      assert.notEqual(r.exitCode, 0);
      assert.ok(!r.stdout.includes('allocated'));
      assert.equal(r.oomKilled, true, `${r.exitCode} ${r.signal} ${r.stderr}`);
      assert.equal(r.timedOut, false);
      assert.equal(crashClass(r), 'memory');
      await healthy();
    });

    test('a SIGKILL the host did not send counts as an OOM kill', async () => {
      const d = await runDirs();
      const r = await py(d, 'import os, signal; os.kill(os.getpid(), signal.SIGKILL)');
      assert.equal(r.signal, 'SIGKILL');
      assert.equal(r.exitCode, null);
      assert.equal(r.oomKilled, true);
      assert.equal(crashClass(r), 'memory');
      await healthy();
    });

    test('disk fill: a file past fileSizeMb, and /tmp, /dev/shm past tmpMb fail fast with an error', async () => {
      const d = await runDirs();
      const script = `
import json, os
res = {}
try:
    with open("big.bin", "wb") as f:
        for _ in range(40):
            f.write(b"\\0" * (1024 * 1024))
    res["file"] = "wrote 40 MB"
except OSError as e:
    res["file"] = str(e)
for where in ("/tmp", "/dev/shm"):
    try:
        for i in range(16):
            with open(os.path.join(where, f"fill{i}.bin"), "wb") as f:
                f.write(b"\\0" * (4 * 1024 * 1024))
        res[where] = "wrote 64 MB"
    except OSError as e:
        res[where] = str(e)
print(json.dumps(res))
`;
      const r = await py(d, script, { limits: { fileSizeMb: 8, tmpMb: 16 }, timeoutMs: 15_000 });
      assert.equal(r.timedOut, false);
      assert.equal(r.exitCode, 0, r.stderr);
      const res = JSON.parse(r.stdout) as Record<string, string>;
      assert.match(res.file!, /File too large/);
      assert.match(res['/tmp']!, /No space left on device/);
      assert.match(res['/dev/shm']!, /No space left on device/);
      assert.ok((await stat(join(d.exp, 'big.bin'))).size <= 8 * 1024 * 1024);
      await healthy();
    });

    test('disk fill left uncaught: the script dies on the error, reported (not as memory or timeout)', async () => {
      const d = await runDirs();
      const script = `
with open("fill.bin", "wb") as f:
    while True:
        f.write(b"\\0" * (1024 * 1024))
`;
      const r = await py(d, script, { limits: { fileSizeMb: 8 }, timeoutMs: 15_000 });
      assert.equal(r.exitCode, 1, r.stderr);
      assert.match(r.stderr, /File too large/);
      assert.equal(r.oomKilled, false);
      assert.equal(crashClass(r), 'unknown');
      assert.ok((await stat(join(d.exp, 'fill.bin'))).size <= 8 * 1024 * 1024);
      await healthy();
    });

    test('100 MB of stdout: head and tail kept, the middle dropped, host memory flat', async () => {
      const d = await runDirs();
      const script = `
import sys
w = sys.stdout.buffer.write
w(b"START\\n")
chunk = (b"x" * 1023 + b"\\n") * 1024
for _ in range(100):
    w(chunk)
w(b"END\\n")
sys.stderr.write("stderr-tail\\n")
`;
      const cap = 64 * 1024;
      const base = process.memoryUsage().rss;
      let peak = base;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 10);
      const r = await py(d, script, { limits: { outputCapBytes: cap }, timeoutMs: 60_000 }).finally(() =>
        clearInterval(sampler),
      );
      assert.equal(r.exitCode, 0, r.stderr);
      assert.equal(r.stdoutTruncated, true);
      assert.equal(r.stderrTruncated, false);
      assert.equal(r.stderr, 'stderr-tail\n');
      assert.ok(r.stdout.startsWith('START\nxxx'));
      assert.ok(r.stdout.endsWith('xxx\nEND\n'));
      const total = 6 + 100 * 1024 * 1024 + 4;
      assert.ok(
        r.stdout.includes(`[... ${total - cap} bytes dropped ...]`),
        r.stdout.slice(cap / 2 - 50, cap / 2 + 50),
      );
      assert.ok(r.stdout.length < cap + 100);
      assert.equal(crashClass(r), 'contract');
      // Kept output is 64 KB; what RSS shows beyond that is garbage V8 has not collected yet.
      // Buffering it all would be >= 100 MB.
      const grownMb = (peak - base) / 1024 / 1024;
      assert.ok(grownMb < 90, `host RSS grew by ${grownMb.toFixed(1)} MB for 100 MB of output`);
      await healthy();
    });

    test('stderr past the cap keeps the traceback at the end', async () => {
      const d = await runDirs();
      const r = await py(
        d,
        'import sys\nsys.stderr.write("noise\\n" * 100000)\nraise ValueError("the real error")',
        { limits: { outputCapBytes: 4096 } },
      );
      assert.equal(r.exitCode, 1);
      assert.equal(r.stderrTruncated, true);
      assert.match(r.stderr, /bytes dropped/);
      assert.match(r.stderr, /ValueError: the real error\n$/);
      assert.equal(r.oomKilled, false);
    });

    test('no network: TCP to the host and the internet, DNS and UDP all fail', async () => {
      const d = await runDirs();
      let connections = 0;
      const server = createServer((s) => {
        connections++;
        s.destroy();
      });
      await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
      const port = (server.address() as { port: number }).port;
      const script = `
import json, socket, sys
port = int(sys.argv[1])
def tcp(host, p):
    s = socket.socket()
    s.settimeout(3)
    try:
        s.connect((host, p))
        return "connected"
    except Exception as e:
        return f"{type(e).__name__}: {e}"
    finally:
        s.close()
res = {"loopback": tcp("127.0.0.1", port), "internet": tcp("1.1.1.1", 53)}
try:
    res["dns"] = "resolved " + repr(socket.getaddrinfo("example.com", 80))
except Exception as e:
    res["dns"] = f"{type(e).__name__}: {e}"
try:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(2)
    u.sendto(b"\\x00" * 12, ("1.1.1.1", 53))
    res["udp"] = "sent " + repr(u.recvfrom(512))
except Exception as e:
    res["udp"] = f"{type(e).__name__}: {e}"
print(json.dumps(res))
`;
      try {
        const r = await py(d, script, { args: [String(port)] });
        assert.equal(r.exitCode, 0, r.stderr);
        const res = JSON.parse(r.stdout) as Record<string, string>;
        assert.match(res.loopback!, /error/i);
        assert.match(res.internet!, /error/i);
        assert.match(res.dns!, /error/i);
        assert.match(res.udp!, /error/i);
        assert.equal(crashClass(r), 'contract');
        await sleep(100);
        assert.equal(connections, 0, 'the host server got no connection');
      } finally {
        server.close();
      }
      await healthy();
    });

    test("no secrets: not in /proc/1/environ, /proc/*, nor the host process's environ", async () => {
      const d = await runDirs();
      const script = `
import os, sys
print("self:", open("/proc/self/environ", "rb").read())
for pid in os.listdir("/proc"):
    if not pid.isdigit():
        continue
    for f in ("environ", "cmdline"):
        try:
            print(pid, f, open(f"/proc/{pid}/{f}", "rb").read())
        except OSError as e:
            print(pid, f, e)
for pid in ("1", sys.argv[1]):
    try:
        print("pid", pid, open(f"/proc/{pid}/environ", "rb").read())
    except OSError as e:
        print("pid", pid, type(e).__name__)
print("ppid:", os.getppid())
`;
      const r = await py(d, script, { args: [String(process.pid)] });
      assert.equal(r.exitCode, 0, r.stderr);
      assert.match(r.stdout, /self: b'PATH=\/usr\/bin:\/bin/, 'the script did read an environ');
      for (const secret of [
        SECRET,
        API_KEY,
        AWS_KEY_ID,
        AWS_SECRET,
        'OURO_TEST_SECRET',
        'OPENAI_API_KEY',
        'AWS_SECRET_ACCESS_KEY',
      ]) {
        assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), `${secret} leaked`);
      }
      assert.equal(crashClass(r), 'contract');
      await healthy();
    });

    test('the vault: unreachable when not mounted, unreadable (0700 root) even when its parent is', async () => {
      const d = await runDirs();
      const script = `
import os, sys
for path in (os.path.join(sys.argv[1], "holdout.csv"), sys.argv[1]):
    try:
        if os.path.isdir(path):
            print("listed", os.listdir(path))
        else:
            print("read", open(path).read())
    except OSError as e:
        print("blocked", type(e).__name__)
`;
      const hidden = await py(d, script, { args: [d.vault] });
      assert.equal(hidden.exitCode, 0, hidden.stderr);
      assert.ok(!hidden.stdout.includes('vault-secret-row'));
      assert.equal(hidden.stdout, 'blocked FileNotFoundError\nblocked FileNotFoundError\n');
      if (ROOT) {
        const exposed = await py(d, script, {
          args: [d.vault],
          mounts: [{ path: d.root }, { path: d.exp, writable: true }],
        });
        assert.equal(exposed.exitCode, 0, exposed.stderr);
        assert.ok(!exposed.stdout.includes('vault-secret-row'));
        assert.equal(exposed.stdout, 'blocked PermissionError\nblocked PermissionError\n');
      }
      await healthy();
    });

    test('writes outside the experiment folder fail; inside it they land, owned by the host again', async () => {
      const d = await runDirs();
      const script = `
import json, os, sys
inp, harness = sys.argv[1], sys.argv[2]
res = {}
def attempt(name, fn):
    try:
        fn()
        res[name] = "ok"
    except OSError as e:
        res[name] = type(e).__name__
attempt("input_overwrite", lambda: open(os.path.join(inp, "data.csv"), "a").write("evil\\n"))
attempt("input_create", lambda: open(os.path.join(inp, "new.csv"), "w").write("evil"))
attempt("harness", lambda: open(os.path.join(harness, "evil.py"), "w").write("evil"))
attempt("harness_pkg", lambda: open(os.path.join(harness, "ouro_harness", "__init__.py"), "a").close())
attempt("usr", lambda: open("/usr/evil", "w").write("evil"))
attempt("root", lambda: open("/evil", "w").write("evil"))
attempt("etc", lambda: open("/etc/evil", "w").write("evil"))
attempt("dev", lambda: open("/dev/evil", "w").write("evil"))
attempt("venv", lambda: open(os.path.join(sys.prefix, "evil"), "w").write("evil"))
attempt("rmtree_input", lambda: os.remove(os.path.join(inp, "data.csv")))
attempt("cwd", lambda: (os.makedirs("model", exist_ok=True), open("model/m.bin", "w").write("ok")))
attempt("tmp", lambda: open("/tmp/scratch", "w").write("ok"))
res["cwd_owner"] = os.stat(".").st_uid
print(json.dumps(res))
`;
      const harnessBefore = await readdir(target.harnessDir);
      const r = await py(d, script, { args: [d.input, target.harnessDir] }).finally(() =>
        rm(join(target.harnessDir, 'evil.py'), { force: true }),
      );
      assert.equal(r.exitCode, 0, r.stderr);
      const res = JSON.parse(r.stdout) as Record<string, string | number>;
      for (const key of [
        'input_overwrite',
        'input_create',
        'harness',
        'harness_pkg',
        'usr',
        'root',
        'etc',
        'dev',
        'venv',
        'rmtree_input',
      ]) {
        assert.notEqual(res[key], 'ok', `${key} was writable`);
      }
      assert.equal(res.cwd, 'ok');
      assert.equal(res.tmp, 'ok');
      assert.equal(await readFile(join(d.input, 'data.csv'), 'utf8'), 'a,b\n1,2\n');
      assert.deepEqual(await readdir(d.input), ['data.csv']);
      assert.deepEqual(await readdir(target.harnessDir), harnessBefore);
      assert.equal(await readFile(join(d.exp, 'model', 'm.bin'), 'utf8'), 'ok');
      const me = process.getuid!();
      if (ROOT)
        assert.ok(
          target.isSandboxUid(Number(res.cwd_owner)),
          "the folder is the sandbox user's during the run",
        );
      for (const p of [d.exp, join(d.exp, 'model'), join(d.exp, 'model', 'm.bin')]) {
        assert.equal((await stat(p)).uid, me, `${p} is the host's again`);
      }
      await healthy();
    });

    test('a folder the sandbox user cannot reach is refused up front, with the fix', async (t) => {
      if (!ROOT) return t.skip('only root drops to the sandbox user');
      const d = await runDirs();
      const priv = join(d.root, 'private');
      await mkdir(join(priv, 'exp'), { recursive: true });
      await chmod(priv, 0o700);
      await assert.rejects(
        driver.run({
          command: ['python', '-c', 'pass'],
          cwd: join(priv, 'exp'),
          mounts: [{ path: join(priv, 'exp'), writable: true }],
          limits: DEFAULT_LIMITS,
          timeoutMs: 5000,
        }),
        (err: unknown) =>
          isOuroError(err) && err.code === 'sandbox_unavailable' && err.message.includes(`chmod o+x ${priv}`),
      );
    });

    test('sleeping past the timeout: killed promptly, daemons included → timeout', async () => {
      const d = await runDirs();
      const t = token();
      const timeoutMs = 1500;
      const r = await py(d, DAEMON + 'time.sleep(60)\n', { args: [t], timeoutMs });
      assert.equal(r.timedOut, true);
      assert.equal(r.oomKilled, false);
      assert.equal(r.cancelled, false);
      assert.equal(r.exitCode, null);
      assert.equal(crashClass(r), 'timeout');
      assert.ok(r.durationMs >= timeoutMs - 50 && r.durationMs < timeoutMs + 3000, `took ${r.durationMs} ms`);
      const s1 = (await stat(join(d.exp, 'heartbeat'))).size;
      assert.ok(s1 > 0, 'the daemon did run');
      await sleep(600);
      assert.equal((await stat(join(d.exp, 'heartbeat'))).size, s1, 'the daemon is dead');
      assert.deepEqual(processesWith(t), []);
      await healthy();
    });

    test('a double-forked child that outlives its parent dies when run() returns', async () => {
      const d = await runDirs();
      const t = token();
      const script = `${DAEMON}
for _ in range(100):
    if os.path.exists(hb) and os.path.getsize(hb) >= 3:
        break
    time.sleep(0.05)
print("parent exits")
`;
      const r = await py(d, script, { args: [t], timeoutMs: 10_000 });
      assert.equal(r.exitCode, 0, r.stderr);
      assert.equal(r.stdout, 'parent exits\n');
      assert.equal(r.timedOut, false);
      assert.equal(r.oomKilled, false);
      assert.equal(crashClass(r), 'contract');
      assert.ok(r.durationMs < 5000, `took ${r.durationMs} ms`);
      const s1 = (await stat(join(d.exp, 'heartbeat'))).size;
      assert.ok(s1 >= 3, 'the daemon did run');
      await sleep(600);
      assert.equal((await stat(join(d.exp, 'heartbeat'))).size, s1, 'the daemon is dead');
      assert.deepEqual(processesWith(t), []);
      await healthy();
    });

    test('abort via AbortSignal kills the tree within 1 s → cancelled', async () => {
      const d = await runDirs();
      const t = token();
      const ac = new AbortController();
      const run = py(d, 'import time; time.sleep(60)', { args: [t], signal: ac.signal, timeoutMs: 30_000 });
      const deadline = Date.now() + 10_000;
      while (processesWith(t).length === 0 && Date.now() < deadline) await sleep(50);
      assert.equal(processesWith(t).length > 0, true, 'it was running');
      const abortedAt = performance.now();
      ac.abort();
      const r = await run;
      const took = performance.now() - abortedAt;
      assert.ok(took < 1000, `took ${took.toFixed(0)} ms after abort`);
      assert.equal(r.cancelled, true);
      assert.equal(r.timedOut, false);
      assert.equal(r.oomKilled, false);
      assert.deepEqual(await survivorsOf(t), []);
      await healthy();
    });

    test('an already aborted signal starts nothing', async () => {
      const d = await runDirs();
      const r = await py(d, 'open("ran", "w").write("x")', { signal: AbortSignal.abort() });
      assert.equal(r.cancelled, true);
      await assert.rejects(stat(join(d.exp, 'ran')));
    });

    test('when the host process is killed mid-run, the sandbox dies with it', async () => {
      const d = await runDirs();
      const t = token();
      const mod = join(d.root, 'driver.mts');
      const host = join(d.root, 'host.mts');
      await writeFile(mod, target.childDriverModule);
      await writeFile(
        host,
        `import { driver } from ${JSON.stringify(mod)};\n` +
          `await driver.run({ command: ['python', '-c', 'import time; time.sleep(60)', ${JSON.stringify(t)}], cwd: ${JSON.stringify(d.exp)}, ` +
          `mounts: [{ path: ${JSON.stringify(d.exp)}, writable: true }], limits: ${JSON.stringify(DEFAULT_LIMITS)}, timeoutMs: 60000 });\n`,
      );
      const child = spawn(process.execPath, ['--import', 'tsx', host], {
        cwd: process.cwd(),
        stdio: 'ignore',
      });
      try {
        const deadline = Date.now() + 20_000;
        while (!pythonRunning(t) && Date.now() < deadline) await sleep(50);
        assert.ok(pythonRunning(t), 'the sandbox started');
      } finally {
        child.kill('SIGKILL');
      }
      assert.deepEqual(await gone(t, 10_000), [], 'the sandbox outlived its host');
      await healthy();
    });
  });
}

const ECHO = [
  'import json, os, socket, sys',
  'for line in sys.stdin:',
  '    req = json.loads(line)',
  '    try:',
  '        socket.create_connection(("1.1.1.1", 53), timeout=1); net = True',
  '    except OSError:',
  '        net = False',
  '    print(json.dumps({"echo": req, "uid": os.getuid(), "net": net, "secret": os.environ.get("OURO_TEST_SECRET")}), flush=True)',
].join('\n');

/** start(): a long-running sandboxed process over stdin/stdout (the prediction workers). */
export function startSuite(target: SuiteTarget): void {
  describe(`start(): ${target.label} driver`, { skip: target.skip ?? false }, () => {
    let driver: SandboxDriver;
    let start: NonNullable<SandboxDriver['start']>;
    before(() => {
      driver = target.driver();
      assert.ok(driver.start, `the ${target.label} driver has start()`);
      start = driver.start.bind(driver);
    });
    after(async () => {
      for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
    });

    test('answers line by line, isolated, until stdin closes', async () => {
      process.env.OURO_TEST_SECRET = SECRET;
      try {
        const { exp: cwd } = await runDirs();
        const proc = await start({
          command: ['python', '-c', ECHO],
          cwd,
          mounts: [{ path: cwd }],
          limits: DEFAULT_LIMITS,
        });
        const lines = createInterface({ input: proc.stdout });
        const next = async () =>
          JSON.parse(((await once(lines, 'line')) as [string])[0]) as {
            echo: unknown;
            uid: number;
            net: boolean;
            secret: string | null;
          };
        proc.stdin.write('{"n": 1}\n');
        const a = await next();
        assert.deepEqual(a.echo, { n: 1 });
        assert.equal(a.net, false);
        assert.equal(a.secret, null);
        if (ROOT) assert.ok(target.isSandboxUid(a.uid), `uid ${a.uid}`);
        proc.stdin.write('{"n": 2}\n');
        assert.deepEqual((await next()).echo, { n: 2 });
        proc.stdin.end();
        const exit = await proc.exited;
        assert.equal(exit.exitCode, 0, exit.stderr);
        assert.equal(exit.oomKilled, false);
      } finally {
        delete process.env.OURO_TEST_SECRET;
      }
    });

    test('kill() ends the whole process tree', async () => {
      const { exp: cwd } = await runDirs();
      const t = token();
      const proc = await start({
        command: [
          'python',
          '-c',
          'import subprocess, sys, time; subprocess.Popen(["sleep", "60", sys.argv[1]]); time.sleep(60)',
          t,
        ],
        cwd,
        mounts: [{ path: cwd }],
        limits: DEFAULT_LIMITS,
      });
      const deadline = Date.now() + 10_000;
      while (processesWith(t).length < 2 && Date.now() < deadline) await sleep(50);
      const started = Date.now();
      proc.kill();
      const exit = await proc.exited;
      assert.ok(Date.now() - started < 3000);
      assert.notEqual(exit.exitCode, 0);
      assert.equal(exit.oomKilled, false);
      assert.deepEqual(await gone(t, 2000), []);
    });

    test('stderr is kept (capped) and a crash is reported', async () => {
      const { exp: cwd } = await runDirs();
      const proc = await start({
        command: ['python', '-c', 'import sys; sys.stderr.write("boom\\n"); sys.exit(3)'],
        cwd,
        mounts: [{ path: cwd }],
        limits: DEFAULT_LIMITS,
      });
      const exit = await proc.exited;
      assert.equal(exit.exitCode, 3);
      assert.match(exit.stderr, /boom/);
    });

    test('a memory balloon in a worker is reported as an OOM kill', async () => {
      const { exp: cwd } = await runDirs();
      const proc = await start({
        command: ['python', '-c', 'x = [bytearray(256 * 1024 * 1024) for _ in range(32)]'],
        cwd,
        mounts: [{ path: cwd }],
        limits: { ...DEFAULT_LIMITS, memoryMb: 512 },
      });
      const exit = await proc.exited;
      assert.notEqual(exit.exitCode, 0);
      assert.equal(exit.oomKilled, true, exit.stderr);
    });
  });
}
