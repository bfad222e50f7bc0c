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
  /** `hidden_by_limit`, `tombstone` (deleted), `external`, `file_access` (Slack Connect stub)... */
  mode?: string;
  /** Slack Connect: `check_file_info` means the event carries only the id; files.info has the rest. */
  file_access?: string;
  is_external?: boolean;
  external_type?: string;
}

/** files.info, as far as this module needs it. */
export type FilesInfo = (file: string) => Promise<{ file?: SlackFile }>;

/**
 * The files of an event, made usable: Slack Connect stubs are completed with files.info; files
 * that cannot be read (hidden by the free plan's limit, deleted, external, refused by files.info)
 * come back as problems, each a sentence for the person who shared them.
 */
export async function resolveSlackFiles(
  files: readonly SlackFile[],
  info: FilesInfo,
): Promise<{ files: SlackFile[]; problems: string[] }> {
  const out: SlackFile[] = [];
  const problems: string[] = [];
  for (const f of files) {
    const name = f.name ?? f.title ?? 'the file';
    if (f.mode === 'hidden_by_limit') {
      problems.push(
        `\`${name}\` is hidden by this workspace's file limit (Slack's free plan hides older files), so I cannot open it: upload it again.`,
      );
      continue;
    }
    if (f.mode === 'tombstone') {
      problems.push('The file in that message has been deleted: upload it again.');
      continue;
    }
    if (f.is_external === true || f.mode === 'external') {
      problems.push(
        `\`${name}\` is a link to ${f.external_type === 'gdrive' ? 'Google Drive' : 'an outside service'}, not a file stored in Slack: download it as CSV and upload the file itself.`,
      );
      continue;
    }
    if (f.file_access === 'check_file_info' || f.url_private === undefined) {
      try {
        const full = (await info(f.id)).file;
        if (full === undefined) throw new Error('no file');
        const again = await resolveSlackFiles([{ ...full, file_access: undefined }], async () => ({}));
        out.push(...again.files);
        problems.push(...again.problems);
      } catch (err) {
        const code = (err as { data?: { error?: string } }).data?.error;
        problems.push(
          code === 'file_deleted'
            ? 'The file in that message has been deleted: upload it again.'
            : code === 'access_denied' || code === 'file_not_found'
              ? 'I am not allowed to open the file in that message (in a Slack Connect channel the other organisation decides): upload it from this workspace.'
              : `I could not look the file up (${code ?? (err as Error).message}).`,
        );
      }
      continue;
    }
    out.push(f);
  }
  return { files: out, problems };
}

export function attachmentOf(f: SlackFile): Attachment {
  return {
    id: f.id,
    name: f.name ?? f.title ?? f.id,
    size: f.size ?? 0,
    mimetype: f.mimetype,
    filetype: f.filetype,
  };
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
  if (host === 'files.slack.com' || host.endsWith('.slack.com') || host.endsWith('.slack-gov.com'))
    return true;
  return apiUrl !== undefined && host === new URL(apiUrl).host.toLowerCase();
}

/** Downloads a shared file with the bot token (Bearer) into the store, cut at `maxBytes`. */
export async function downloadSlackFile(opts: {
  file: SlackFile;
  token: string;
  apiUrl: string | undefined;
  maxBytes: number;
  store: ArtifactStore;
  key: string;
  filename: string;
}): Promise<number> {
  const url = opts.file.url_private_download ?? opts.file.url_private;
  if (url === undefined)
    throw new OuroError(
      'input_unreadable',
      `Slack gave no download link for \`${opts.filename}\`; share the file in the channel (not only as a link) and mention me again.`,
    );
  if (!isSlackFileHost(url, opts.apiUrl))
    throw new OuroError(
      'input_unreadable',
      `\`${opts.filename}\` is not hosted by Slack; upload the file itself.`,
    );
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${opts.token}` },
    signal: AbortSignal.timeout(15 * 60_000),
  });
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new OuroError(
      'input_unreadable',
      `Slack refused the download of \`${opts.filename}\` (HTTP ${res.status}). The app needs the files:read scope and access to this channel.`,
    );
  }
  // Without files:read Slack answers 200 with its sign-in page instead of the file.
  if ((res.headers.get('content-type') ?? '').toLowerCase().includes('text/html')) {
    await res.body?.cancel().catch(() => undefined);
    throw new OuroError(
      'input_unreadable',
      `Slack sent a sign-in page instead of \`${opts.filename}\`: the app needs the files:read scope (reinstall it from bot/slack/manifest.yml).`,
    );
  }
  return saveCappedDownload(res, {
    maxBytes: opts.maxBytes,
    store: opts.store,
    key: opts.key,
    filename: opts.filename,
  });
}
