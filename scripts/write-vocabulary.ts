/** `npm run vocabulary`: writes the shared vocabulary (core/schemas/vocabulary.ts) for the Python harness. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../core/config.ts';
import { vocabularyJson } from '../core/schemas/vocabulary.ts';

export const VOCABULARY_FILE = join(PACKAGE_ROOT, 'sandbox', 'python', 'ouro_harness', 'vocabulary.json');

await writeFile(VOCABULARY_FILE, vocabularyJson());
process.stdout.write(`wrote ${VOCABULARY_FILE}\n`);
