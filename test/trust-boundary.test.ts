import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

/**
 * The unsafe call must be impossible to write by accident (docs/architecture.md, "The trust
 * boundary"): a source file that imports a path-following read, write or copy from node:fs
 * is listed here with the reason its paths are host-owned. A new one fails this test until it
 * either goes through core/untrusted-files.ts or is added here with its reason.
 */
const HOST_OWNED: Record<string, string> = {
  'core/untrusted/host-write.ts':
    "the trust boundary itself: copyHostFileInto reads a host file (the vault's labels) to write it beside sandbox output",
  'core/events/event-log.ts': 'runs/<id>/events.jsonl: the run root is never mounted in a sandbox',
  'core/store/artifact-store.ts':
    'the fs store under OURO_HOME; callers hand it host files or files sync-folder checked with lstat',
  'core/store/s3-transfer.ts':
    'streams files its callers checked (sync-folder: plain files with one link) or host files',
  'core/model-owner.ts': 'registry/<name>/owner.json, written only by the host',
  'core/store/json-file.ts':
    'host state: journals, registry pointers and cards, keys; never a sandbox folder',
  'sandbox/process/host.ts': '/proc, /etc/passwd and pyvenv.cfg, read before any sandbox starts',
  'sandbox/process/sandbox-uids.ts': '/proc/self/uid_map and /etc/passwd',
  'sandbox/docker/image.ts': "hashes the repository's own Dockerfile and requirements",
  'worker/loop/validate-holdout.ts': 'reads the vault (mode 0700, never mounted in a sandbox)',
  'worker/loop/run-loop.ts': 'writes error.txt in the run root, which no sandbox mounts',
  'worker/analysis/publish-report.ts':
    'writes the report under OURO_HOME/reports (host-built; sandbox files enter it only by copyUntrustedFile)',
  'worker/loop/steps/split.ts':
    'renames analysis.json inside the vault (mode 0700, never mounted in a sandbox)',
  'deploy/test-fixtures.ts': 'test-only fixtures',
  'deploy/api-keys.ts': 'key files under registry/<name>/, written only by the host',
  'deploy/signature.ts': 'registry copies, made by copyUntrustedTree (plain files only)',
  'deploy/registry-mirror.ts': 'key files from the bucket, which only hosts write',
  'deploy/predictors/pool-staging.ts':
    "links (or, across filesystems, copies) registry model folders, plain files the registry copy made, into the pool's staging folder",
  'bot/intake/save-upload.ts': "writes a chat upload into a fresh temporary folder of the bot's own",
};

const RISKY =
  /\b(readFile|readFileSync|writeFile|writeFileSync|copyFile|copyFileSync|cp|cpSync|createReadStream|createWriteStream|appendFile|rename)\b/;
const ROOMS = ['core', 'sandbox', 'worker', 'deploy', 'bot', 'cli'];
const ROOT = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'python') continue;
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** The risky names a file imports from node:fs or node:fs/promises (or any use of a namespace import). */
export function riskyImports(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'(?:node:)?fs(?:\/promises)?'/g)) {
    for (const name of m[1]!.split(',').map((s) =>
      s
        .trim()
        .split(/\s+as\s+/)[0]!
        .replace(/^type\s+/, ''),
    ))
      if (RISKY.test(name) && name.match(RISKY)![0] === name) found.push(name);
  }
  if (/import\s+(\*\s+as\s+\w+|\w+)\s+from\s*'(?:node:)?fs(?:\/promises)?'/.test(text))
    found.push('a namespace import of fs');
  return found;
}

test('the grep itself finds what it looks for', () => {
  assert.deepEqual(riskyImports("import { mkdir, readFile } from 'node:fs/promises';"), ['readFile']);
  assert.deepEqual(riskyImports("import { cp as copy } from 'node:fs/promises';"), ['cp']);
  assert.deepEqual(riskyImports("import * as fs from 'node:fs';"), ['a namespace import of fs']);
  assert.deepEqual(riskyImports("import { lstat, open } from 'node:fs/promises';"), []);
});

test('no source file reads, writes or copies a path with node:fs outside the trust boundary, unless listed', () => {
  const offenders: string[] = [];
  const seen = new Set<string>();
  for (const room of ROOMS) {
    for (const file of sources(join(ROOT, room))) {
      const rel = relative(ROOT, file).split('\\').join('/');
      const risky = riskyImports(readFileSync(file, 'utf8'));
      if (risky.length === 0) continue;
      seen.add(rel);
      if (HOST_OWNED[rel] === undefined)
        offenders.push(
          `${rel} imports ${risky.join(', ')}: read sandbox output with core/untrusted-files.ts, or list the file in test/trust-boundary.test.ts with why its paths are host-owned`,
        );
    }
  }
  assert.deepEqual(offenders, []);
  // A listed file that no longer needs the exception is taken off the list.
  assert.deepEqual(
    Object.keys(HOST_OWNED).filter((f) => !seen.has(f)),
    [],
  );
});
