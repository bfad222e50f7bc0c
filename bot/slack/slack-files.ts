import { OuroError } from '../../core/errors.ts';
import type { ArtifactStore } from '../../core/store/artifact-store.ts';
import type { Attachment } from '../intake/choose-upload.ts';
import { saveCappedDownload } from '../intake/save-upload.ts';

/** The fields of a Slack file object that intake uses. */
export interface SlackFile {
  id: string;
  name?: string;
  title?: string;
  size?: number;
  mimetype?: string;
  filetype?: string;
  url_private?: string;
  url_private_download?: string;
}

export function attachmentOf(f: SlackFile): Attachment {
  return { id: f.id, name: f.name ?? f.title ?? f.id, size: f.size ?? 0, mimetype: f.mimetype, filetype: f.filetype };
}

/**
 * The bot token goes only to Slack's own hosts (and to SLACK_API_URL's host: GovSlack, or the
 * local fake in tests), never to a URL that merely came in an event.
 */
export function isSlackFileHost(url: string, apiUrl: string | undefined): boolean {
  let host: string;
  try {
    host = new URL(url).host.toLowerCase();
  } catch {
    return false;
  }
  if (host === 'files.slack.com' || host.endsWith('.slack.com') || host.endsWith('.slack-gov.com')) return true;
  return apiUrl !== undefined && host === new URL(apiUrl).host.toLowerCase();
}

/** Downloads a shared file with the bot token (Bearer) into the store, cut at `maxBytes`. */
export async function downloadSlackFile(opts: { file: SlackFile; token: string; apiUrl: string | undefined; maxBytes: number; store: ArtifactStore; key: string; filename: string }): Promise<number> {
  const url = opts.file.url_private_download ?? opts.file.url_private;
  if (url === undefined) throw new OuroError('input_unreadable', `Slack gave no download link for \`${opts.filename}\`; share the file in the channel (not only as a link) and mention me again.`);
  if (!isSlackFileHost(url, opts.apiUrl)) throw new OuroError('input_unreadable', `\`${opts.filename}\` is not hosted by Slack; upload the file itself.`);
  const res = await fetch(url, { headers: { authorization: `Bearer ${opts.token}` }, signal: AbortSignal.timeout(15 * 60_000) });
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new OuroError('input_unreadable', `Slack refused the download of \`${opts.filename}\` (HTTP ${res.status}). The app needs the files:read scope and access to this channel.`);
  }
  // Without files:read Slack answers 200 with its sign-in page instead of the file.
  if ((res.headers.get('content-type') ?? '').toLowerCase().includes('text/html')) {
    await res.body?.cancel().catch(() => undefined);
    throw new OuroError('input_unreadable', `Slack sent a sign-in page instead of \`${opts.filename}\`: the app needs the files:read scope (reinstall it from bot/slack/manifest.yml).`);
  }
  return saveCappedDownload(res, { maxBytes: opts.maxBytes, store: opts.store, key: opts.key, filename: opts.filename });
}
