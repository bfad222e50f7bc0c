import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { copyUntrustedFile, UNTRUSTED_CAPS } from '../../core/untrusted-files.ts';
import type { Ledger } from './findings-ledger.ts';
import { renderHtml, renderMarkdown, type ReportParts } from './render-report.ts';
import { printPdf } from './report-pdf.ts';

/** `OURO_HOME/reports/<id>/`: what `ouro serve` serves at /reports/{id} (docs/api.md). */
export function reportDir(home: string, id: string): string {
  return join(home, 'reports', id);
}

/** meta.json of a report: what the server and the chat thread need without parsing the report. */
export const ReportMetaSchema = z.object({
  id: z.string(),
  runId: z.string(),
  question: z.string(),
  file: z.string(),
  createdAt: z.string(),
  /** core/model-owner.ts's owner of the run (who may see it is the same as for model pages: anyone with the id). */
  owner: z
    .object({ platform: z.string(), team: z.string().optional(), channel: z.string().optional() })
    .loose(),
  answer: z.string(),
  highlights: z.array(z.object({ text: z.string(), finding: z.string() })),
  charts: z.array(z.object({ path: z.string(), title: z.string() })),
  pdf: z.boolean(),
});
export type ReportMeta = z.infer<typeof ReportMetaSchema>;

/**
 * Builds the report folder next to the registry: every analysis's script, charts and chart
 * tables copied through the trust boundary (they were written in a sandbox), the ledger as
 * findings.json, report.md, report.html and report.pdf. Built under a temporary name and renamed,
 * so the server never serves half a report.
 */
export async function publishReport(opts: {
  home: string;
  runRoot: string;
  parts: ReportParts;
  ledger: Ledger;
  meta: Omit<ReportMeta, 'pdf'>;
  chromium: string;
}): Promise<{ dir: string; pdf: boolean; pdfWhy: string | null }> {
  const final = reportDir(opts.home, opts.parts.id);
  const tmp = `${final}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(join(tmp, 'analyses'), { recursive: true, mode: 0o755 });
  for (const e of opts.ledger.entries) {
    const src = join(opts.runRoot, 'analyses', e.id);
    const dest = join(tmp, 'analyses', e.id);
    await mkdir(join(dest, 'charts'), { recursive: true });
    await copyUntrustedFile(join(src, 'analysis.py'), join(dest, 'analysis.py'), {
      root: src,
      maxBytes: UNTRUSTED_CAPS.text,
    });
    // The validated findings, as the host read them, not the sandbox's bytes.
    await writeFile(join(dest, 'findings.json'), JSON.stringify(e.findings, null, 2) + '\n');
    for (const ch of e.findings.charts) {
      await copyUntrustedFile(join(src, ...ch.file.split('/')), join(dest, ...ch.file.split('/')), {
        root: src,
        maxBytes: UNTRUSTED_CAPS.image,
      });
      await copyUntrustedFile(join(src, ...ch.table.split('/')), join(dest, ...ch.table.split('/')), {
        root: src,
        maxBytes: UNTRUSTED_CAPS.text,
      });
    }
  }
  await writeFile(join(tmp, 'findings.json'), JSON.stringify(opts.ledger.toJSON(), null, 2) + '\n');
  await writeFile(join(tmp, 'report.md'), renderMarkdown(opts.parts));
  await writeFile(join(tmp, 'report.html'), renderHtml(opts.parts, { pdf: false }));
  const printed = await printPdf(join(tmp, 'report.html'), join(tmp, 'report.pdf'), opts.chromium).catch(
    (err: unknown) => ({ ok: false as const, why: (err as Error).message.slice(0, 200) }),
  );
  if (printed.ok) await writeFile(join(tmp, 'report.html'), renderHtml(opts.parts, { pdf: true }));
  await writeFile(join(tmp, 'meta.json'), JSON.stringify({ ...opts.meta, pdf: printed.ok }, null, 2) + '\n');
  await rm(final, { recursive: true, force: true });
  await mkdir(join(opts.home, 'reports'), { recursive: true });
  await rename(tmp, final);
  return { dir: final, pdf: printed.ok, pdfWhy: printed.ok ? null : printed.why };
}
