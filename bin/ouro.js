#!/usr/bin/env node
// The installed entry point runs the compiled CLI (`npm run build`, done by `npm run setup`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(compiled))) {
  console.error('ouro is not built yet: run `npm run setup` (or `npm run build`) in the ouro folder first.');
  process.exit(1);
}
await import(compiled.href);
