/**
 * docs/extending.md's TypeScript examples compile against the code: each ```ts block names the
 * file it belongs in (its first line, a `// path` comment); its relative imports are resolved
 * from there and the block is typechecked with the project's compiler options.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

const ROOT = join(import.meta.dirname, '..');

/** The ```ts blocks of a markdown text, each with the file its first comment names. */
export function tsBlocks(markdown: string): { file: string; code: string }[] {
  return [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => {
    const code = m[1]!;
    const file = /^\/\/ (\S+\.ts)\n/.exec(code)?.[1];
    if (file === undefined)
      throw new Error(`a ts block does not start with "// <path>.ts": ${code.slice(0, 80)}`);
    return { file, code };
  });
}

/** The block, written in `dir`, with its relative imports pointing where they would from `file`. */
function anchored(block: { file: string; code: string }, dir: string): string {
  return block.code.replace(
    /(from\s+')(\.{1,2}\/[^']+)'/g,
    (_, head: string, rel: string) => `${head}${relative(dir, resolve(ROOT, dirname(block.file), rel))}'`,
  );
}

function typecheck(files: string[]): string[] {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const program = ts.createProgram(files, {
    ...parsed.options,
    noEmit: true,
    typeRoots: [join(ROOT, 'node_modules', '@types')],
    rootDir: undefined,
  });
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file !== undefined && files.includes(resolve(d.file.fileName)))
    .map((d) => `${d.file!.fileName}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

test('the blocks are found, each with its file', async () => {
  const blocks = tsBlocks(await readFile(join(ROOT, 'docs', 'extending.md'), 'utf8'));
  assert.ok(blocks.length >= 4, `only ${blocks.length} ts blocks`);
  assert.deepEqual(tsBlocks('```ts\n// a/b.ts\nconst x = 1;\n```\n'), [
    { file: 'a/b.ts', code: '// a/b.ts\nconst x = 1;\n' },
  ]);
});

test('a block that does not compile is caught', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ouro-extending-'));
  try {
    const file = join(dir, 'bad.ts');
    await writeFile(
      file,
      anchored(
        {
          file: 'core/catalog/x.ts',
          code: "import type { ModelFamily } from './families.ts';\nexport const f: ModelFamily = { id: 'x' };\n",
        },
        dir,
      ),
    );
    assert.notDeepEqual(typecheck([file]), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('every ts example of docs/extending.md typechecks against the code', async () => {
  const blocks = tsBlocks(await readFile(join(ROOT, 'docs', 'extending.md'), 'utf8'));
  const dir = await mkdtemp(join(tmpdir(), 'ouro-extending-'));
  try {
    const files: string[] = [];
    for (const [i, block] of blocks.entries()) {
      const file = join(dir, `block-${i}.ts`);
      await writeFile(file, anchored(block, dir));
      files.push(file);
    }
    assert.deepEqual(typecheck(files), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
