import { OuroError } from '../../core/errors.ts';
import type { ArtifactStore } from '../../core/store/artifact-store.ts';
import type { Attachment } from '../intake/choose-upload.ts';
import { saveCappedDownload } from '../intake/save-upload.ts';

/** The fields of a Discord attachment that intake uses. */
export interface DiscordAttachment {
  id: string;
  name: string;
  size: number;
  url: string;
  contentType: string | null;
}

export function attachmentOf(a: DiscordAttachment): Attachment {
  return { id: a.id, name: a.name, size: a.size, mimetype: a.contentType ?? undefined };
}

/** Only Discord's CDN (or DISCORD_API_URL's host: the local fake in tests) is fetched. */
export function isDiscordCdnHost(url: string, apiUrl: string | undefined): boolean {
  let host: string;
  try {
    host = new URL(url).host.toLowerCase();
  } catch {
    return false;
  }
  if (host === 'cdn.discordapp.com' || host === 'media.discordapp.net') return true;
  return apiUrl !== undefined && host === new URL(apiUrl).host.toLowerCase();
}

/** Fetches an attachment without delay (its signed CDN URL expires), cut at `maxBytes`. */
export async function fetchDiscordAttachment(
  url: string,
  opts: { apiUrl: string | undefined; maxBytes: number; filename: string },
): Promise<Response> {
  if (!isDiscordCdnHost(url, opts.apiUrl))
    throw new OuroError(
      'input_unreadable',
      `\`${opts.filename}\` is not hosted by Discord; attach the file itself.`,
    );
  const res = await fetch(url, { signal: AbortSignal.timeout(15 * 60_000) });
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new OuroError(
      'input_unreadable',
      `Discord refused the download of \`${opts.filename}\` (HTTP ${res.status}); the link may have expired: attach the file again.`,
    );
  }
  return res;
}

export async function downloadDiscordAttachment(opts: {
  attachment: DiscordAttachment;
  apiUrl: string | undefined;
  maxBytes: number;
  store: ArtifactStore;
  key: string;
  filename: string;
}): Promise<number> {
  const res = await fetchDiscordAttachment(opts.attachment.url, {
    apiUrl: opts.apiUrl,
    maxBytes: opts.maxBytes,
    filename: opts.filename,
  });
  return saveCappedDownload(res, {
    maxBytes: opts.maxBytes,
    store: opts.store,
    key: opts.key,
    filename: opts.filename,
  });
}

/** Reads a small attachment (a batch of rows for /predict) into memory, refusing more than `maxBytes`. */
export async function readDiscordAttachment(
  url: string,
  opts: { apiUrl: string | undefined; maxBytes: number; filename: string },
): Promise<string> {
  const res = await fetchDiscordAttachment(url, opts);
  const reader = res.body!.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > opts.maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new OuroError(
        'input_too_large',
        `\`${opts.filename}\` is larger than ${Math.round(opts.maxBytes / 1024)} KB; use the prediction API for big batches.`,
      );
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
