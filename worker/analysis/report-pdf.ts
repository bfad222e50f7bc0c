import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/**
 * The report's PDF: Chromium's print-to-PDF of report.html (through playwright-core, the same
 * headless browser the page tests use). The HTML is ours (every value escaped, no script), and
 * the browser gets no network: only file:// URLs under the report folder load.
 */
export async function printPdf(
  htmlPath: string,
  pdfPath: string,
  chromium: string,
): Promise<{ ok: true } | { ok: false; why: string }> {
  if (!existsSync(chromium)) return { ok: false, why: `no browser at ${chromium} (OURO_CHROMIUM)` };
  let pw: typeof import('playwright-core');
  try {
    pw = await import('playwright-core');
  } catch {
    return { ok: false, why: 'playwright-core is not installed' };
  }
  const browser = await pw.chromium.launch({
    executablePath: chromium,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage();
    const root = pathToFileURL(htmlPath).href.replace(/[^/]*$/, '');
    await page.route('**/*', (route) =>
      route.request().url().startsWith(root) ? route.continue() : route.abort(),
    );
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
    await page.pdf({
      path: pdfPath,
      format: 'A4',
      margin: { top: '16mm', bottom: '16mm', left: '14mm', right: '14mm' },
      printBackground: true,
    });
    return { ok: true };
  } catch (err) {
    return { ok: false, why: (err as Error).message.split('\n')[0]!.slice(0, 200) };
  } finally {
    await browser.close();
  }
}
