#!/usr/bin/env node
// The installed entry point runs the compiled CLI (`npm run build`, done by `npm run setup`).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(compiled))) {
  console.error('ouro is not built yet: run `npm run setup` (or `npm run build`) in the ouro folder first.');
  process.exit(1);
}

// In a source checkout, a build older than the sources runs yesterday's code without a word:
// say so (once per start, a few milliseconds of stat calls).
const ROOMS = ['core', 'sandbox', 'worker', 'deploy', 'bot', 'cli'];
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}
const root = fileURLToPath(new URL('..', import.meta.url));
if (existsSync(`${root}/.git`)) {
  const built = statSync(fileURLToPath(compiled)).mtimeMs;
  const newest = Math.max(0, ...ROOMS.filter((r) => existsSync(`${root}/${r}`)).map((r) => newestSource(`${root}/${r}`)));
  if (newest > built) console.error('ouro: the build in dist/ is older than the sources; run `npm run build` to use your changes.');
}
await import(compiled.href);
