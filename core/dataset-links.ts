import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Download links for synthetic datasets (docs/architecture.md, "Synthetic data"): a capability
 * URL on `ouro serve`, `/datasets/<run>/<file>?expires=<unix s>&sig=<hex>`, signed with
 * OURO_INTERNAL_TOKEN (HMAC-SHA256) — whoever holds the link until it expires may download that
 * one file, as whoever holds a model key may call that model. Nothing is stored per link.
 */
export const DATASET_LINK_TTL_S = 7 * 24 * 3600;
const RUN_ID = /^[A-Za-z0-9_-]{4,64}$/;
const FILE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

function signature(token: string, runId: string, filename: string, expires: number): string {
  return createHmac('sha256', token).update(`dataset\n${runId}\n${filename}\n${expires}`).digest('hex');
}

export function datasetLink(
  base: string,
  token: string,
  runId: string,
  filename: string,
  nowMs = Date.now(),
  ttlS = DATASET_LINK_TTL_S,
): string {
  const expires = Math.floor(nowMs / 1000) + ttlS;
  return `${base.replace(/\/$/, '')}/datasets/${encodeURIComponent(runId)}/${encodeURIComponent(filename)}?expires=${expires}&sig=${signature(token, runId, filename, expires)}`;
}

/** True when the link was signed with `token` for this file and has not expired. */
export function checkDatasetLink(
  token: string,
  runId: string,
  filename: string,
  expires: string | undefined,
  sig: string | undefined,
  nowMs = Date.now(),
): boolean {
  if (
    !RUN_ID.test(runId) ||
    !FILE.test(filename) ||
    expires === undefined ||
    sig === undefined ||
    !/^\d{1,12}$/.test(expires) ||
    !/^[0-9a-f]{64}$/.test(sig)
  )
    return false;
  if (Number(expires) * 1000 < nowMs) return false;
  return timingSafeEqual(
    Buffer.from(signature(token, runId, filename, Number(expires)), 'hex'),
    Buffer.from(sig, 'hex'),
  );
}
