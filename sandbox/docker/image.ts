/**
 * The sandbox image's name. Built by sandbox/image/build-image.sh and tagged with the hash of
 * what goes into it (the pinned requirements and the Dockerfile), so a change to either makes
 * the driver ask for a new build instead of running stale libraries.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OuroError } from '../../core/errors.ts';

/** Where the image keeps its interpreter (the Dockerfile's venv); its `ouro.python` label wins. */
export const IMAGE_PYTHON = '/opt/venv/bin/python';

/** The files the tag hashes, in the order build-image.sh cats them. */
export function imageInputs(packageRoot: string): string[] {
  return [
    join(packageRoot, 'sandbox', 'requirements.txt'),
    join(packageRoot, 'sandbox', 'image', 'Dockerfile'),
  ];
}

/** `ouro-sandbox:<12 hex>`: sha256 of requirements.txt then the Dockerfile (as build-image.sh computes it). */
export function defaultImageTag(packageRoot: string): string {
  const hash = createHash('sha256');
  for (const file of imageInputs(packageRoot)) {
    try {
      hash.update(readFileSync(file));
    } catch {
      throw new OuroError(
        'sandbox_unavailable',
        `Cannot name the sandbox image: ${file} is missing. Set OURO_SANDBOX_IMAGE to the image built by sandbox/image/build-image.sh.`,
      );
    }
  }
  return `ouro-sandbox:${hash.digest('hex').slice(0, 12)}`;
}
