import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { REPO_ROOT } from './support/cli.ts';
import { makeTempDir } from './support/temp-dir.ts';

// The Dockerfile and scripts/setup.sh install with `npm ci`, which refuses a lock that does not
// record every package package.json implies — the optional native packages of other platforms
// included (a lock written by `npm install` on one platform once lacked msgpackr-extract's
// darwin and win32 builds, and `docker compose up` failed at its first step). `--dry-run`
// runs the same check in about two seconds without installing anything.

let dir: { path: string; cleanup: () => Promise<void> };
before(async () => {
  dir = await makeTempDir('lockfile');
  await copyFile(join(REPO_ROOT, 'package.json'), join(dir.path, 'package.json'));
  await copyFile(join(REPO_ROOT, 'package-lock.json'), join(dir.path, 'package-lock.json'));
});
after(() => dir.cleanup());

function npmCi(npm: string[]): { code: number | null; out: string } {
  const [cmd, ...args] = npm as [string, ...string[]];
  const res = spawnSync(cmd, [...args, 'ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: dir.path,
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { code: res.status, out: `${res.stdout}\n${res.stderr}` };
}

test("npm ci accepts package-lock.json with this machine's npm", () => {
  const version = spawnSync('npm', ['--version'], { encoding: 'utf8' }).stdout.trim();
  const { code, out } = npmCi(['npm']);
  assert.equal(
    code,
    0,
    `npm ${version} ci refuses the lock; regenerate it with npm install (see the Missing: lines):\n${out.slice(-3000)}`,
  );
});

// node:24-slim ships npm 11 and node:20/22 images npm 10; the lock must satisfy both.
for (const major of ['10', '11']) {
  test(`npm ci accepts package-lock.json with npm ${major}`, () => {
    const { code, out } = npmCi(['npx', '--yes', `npm@${major}`]);
    assert.equal(code, 0, `npm@${major} ci refuses the lock:\n${out.slice(-3000)}`);
  });
}
