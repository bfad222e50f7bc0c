import { randomBytes } from 'node:crypto';

/** Run ids sort by creation time and stay short enough to type: `r-20261122-0538-k3x9`. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 13);
  const rand = randomBytes(3)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x');
  return `r-${stamp}-${rand}`;
}
