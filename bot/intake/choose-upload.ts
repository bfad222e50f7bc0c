/** A file attached to a chat message, as the platform describes it (before any download). */
export interface Attachment {
  id: string;
  name: string;
  /** Bytes, as the platform says. */
  size: number;
  mimetype?: string | undefined;
  /** The platform's own type word (Slack: `csv`, `xlsx`, `png`...). */
  filetype?: string | undefined;
}

export type UploadChoice =
  | { kind: 'ok'; file: Attachment }
  | { kind: 'none' }
  | { kind: 'wrong_type'; files: Attachment[] }
  | { kind: 'ambiguous'; files: Attachment[] }
  | { kind: 'too_large'; file: Attachment; limitBytes: number };

/**
 * What intake takes as a table. The name only picks the candidate: the sandbox tells the format
 * by the bytes (sandbox/python/ouro_harness/formats.py), so a misnamed file is read for what it
 * is, and a file that only claims to be a workbook gets a clear error there.
 */
const TABULAR_EXT = /\.(csv|tsv|tab|txt\.gz|csv\.gz|tsv\.gz|gz|zip|xlsx|parquet|json|jsonl|ndjson)$/i;
const TABULAR_TYPES = new Set(['csv', 'tsv', 'xlsx', 'parquet', 'json', 'gzip', 'zip']);
const TABULAR_MIME = new Set([
  'text/csv',
  'application/csv',
  'text/tab-separated-values',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.apache.parquet',
  'application/json',
  'application/x-ndjson',
  'application/gzip',
  'application/zip',
]);

/** The formats, as people read them in a reply. */
export const TABLE_FORMATS =
  'CSV, TSV, Excel (.xlsx), Parquet, JSON/JSON Lines, or one of those in a .gz or .zip';

export function isTabular(f: Attachment): boolean {
  return (
    TABULAR_EXT.test(f.name) ||
    TABULAR_TYPES.has((f.filetype ?? '').toLowerCase()) ||
    TABULAR_MIME.has((f.mimetype ?? '').toLowerCase())
  );
}

/**
 * Picks the data file of a message: the only table, or the one the text names when there are
 * several. Other attachments (a screenshot beside the data) are ignored.
 */
export function chooseUpload(files: readonly Attachment[], text: string, limitBytes: number): UploadChoice {
  if (files.length === 0) return { kind: 'none' };
  const tabular = files.filter(isTabular);
  if (tabular.length === 0) return { kind: 'wrong_type', files: [...files] };
  let chosen: Attachment | undefined = tabular.length === 1 ? tabular[0] : undefined;
  if (chosen === undefined) {
    const lower = text.toLowerCase();
    const named = tabular.filter(
      (f) =>
        lower.includes(f.name.toLowerCase()) || lower.includes(f.name.toLowerCase().replace(/\.[a-z]+$/, '')),
    );
    if (named.length !== 1) return { kind: 'ambiguous', files: tabular };
    chosen = named[0]!;
  }
  if (chosen.size > limitBytes) return { kind: 'too_large', file: chosen, limitBytes };
  return { kind: 'ok', file: chosen };
}

const MB = 1024 * 1024;
export const fmtBytes = (n: number) =>
  n >= 1024 * MB
    ? `${(n / 1024 / MB).toFixed(1)} GB`
    : n >= MB
      ? `${(n / MB).toFixed(1)} MB`
      : `${Math.max(1, Math.round(n / 1024))} KB`;

/** What to say about a file that is not a table intake takes. */
export function wrongTypeAdvice(f: Attachment): string {
  const ext = /\.([a-z0-9]+)$/i.exec(f.name)?.[1]?.toLowerCase() ?? (f.filetype ?? '').toLowerCase();
  if (['xls', 'xlsm', 'ods', 'numbers'].includes(ext))
    return `\`${f.name}\` is a spreadsheet I do not open: save the sheet as .xlsx or CSV (File › Save As / Download) and send that.`;
  if (['feather', 'arrow', 'sav', 'dta'].includes(ext))
    return `\`${f.name}\` is a ${ext} file; export the table as CSV or Parquet.`;
  if (['bz2', 'xz', '7z', 'tar', 'rar'].includes(ext))
    return `\`${f.name}\` is compressed in a way I do not open: send the table itself, or as .gz or .zip.`;
  if (['png', 'jpg', 'jpeg', 'gif', 'webp', 'pdf'].includes(ext))
    return `\`${f.name}\` is an image or a document; I need the data itself (${TABLE_FORMATS}).`;
  return `\`${f.name}\` is not a table I read (${TABLE_FORMATS}).`;
}
