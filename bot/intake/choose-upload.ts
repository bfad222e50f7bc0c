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

const TABULAR_EXT = /\.(csv|tsv|tab)$/i;
const TABULAR_TYPES = new Set(['csv', 'tsv']);
const TABULAR_MIME = new Set(['text/csv', 'application/csv', 'text/tab-separated-values']);

export function isTabular(f: Attachment): boolean {
  return TABULAR_EXT.test(f.name) || TABULAR_TYPES.has((f.filetype ?? '').toLowerCase()) || TABULAR_MIME.has((f.mimetype ?? '').toLowerCase());
}

/**
 * Picks the data file of a message: the only CSV/TSV, or the one the text names when there are
 * several. Other attachments (a screenshot beside the data) are ignored.
 */
export function chooseUpload(files: readonly Attachment[], text: string, limitBytes: number): UploadChoice {
  if (files.length === 0) return { kind: 'none' };
  const tabular = files.filter(isTabular);
  if (tabular.length === 0) return { kind: 'wrong_type', files: [...files] };
  let chosen: Attachment | undefined = tabular.length === 1 ? tabular[0] : undefined;
  if (chosen === undefined) {
    const lower = text.toLowerCase();
    const named = tabular.filter((f) => lower.includes(f.name.toLowerCase()) || lower.includes(f.name.toLowerCase().replace(/\.[a-z]+$/, '')));
    if (named.length !== 1) return { kind: 'ambiguous', files: tabular };
    chosen = named[0]!;
  }
  if (chosen.size > limitBytes) return { kind: 'too_large', file: chosen, limitBytes };
  return { kind: 'ok', file: chosen };
}

const MB = 1024 * 1024;
export const fmtBytes = (n: number) => (n >= 1024 * MB ? `${(n / 1024 / MB).toFixed(1)} GB` : n >= MB ? `${(n / MB).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`);

/** What to say about a file that is not CSV/TSV. */
export function wrongTypeAdvice(f: Attachment): string {
  const ext = /\.([a-z0-9]+)$/i.exec(f.name)?.[1]?.toLowerCase() ?? (f.filetype ?? '').toLowerCase();
  if (['xlsx', 'xls', 'xlsm', 'ods', 'numbers'].includes(ext)) return `\`${f.name}\` is a spreadsheet: save the sheet as CSV (File › Save As / Download › CSV) and send that.`;
  if (['parquet', 'json', 'jsonl', 'feather', 'arrow', 'sav', 'dta'].includes(ext)) return `\`${f.name}\` is a ${ext} file; I read CSV or TSV only for now: export the table as CSV.`;
  if (['zip', 'gz', 'bz2', 'xz', '7z', 'tar'].includes(ext)) return `\`${f.name}\` is compressed: send the CSV inside it (up to the size limit).`;
  if (['png', 'jpg', 'jpeg', 'gif', 'webp', 'pdf'].includes(ext)) return `\`${f.name}\` is an image or a document; I need the data itself as a CSV or TSV file.`;
  return `\`${f.name}\` is not a CSV or TSV file.`;
}
