/** Escaping and number formatting for the server-rendered pages (model page, reports, charts): every value is escaped. */
export function escapeHtml(text: unknown): string {
  return String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** A number as the pages print it: four significant digits, one decimal from 1000 up. */
export function fmt(x: number): string {
  return Number.isFinite(x) ? (Math.abs(x) >= 1000 ? x.toFixed(1) : x.toPrecision(4)) : String(x);
}
