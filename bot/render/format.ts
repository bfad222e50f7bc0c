/** Number, clock and length formats shared by the run renderers. */

export const fmtScore = (n: number) =>
  Number.isFinite(n) ? (Math.abs(n) >= 1000 ? n.toFixed(1) : n.toFixed(4)) : 'n/a';

/** 95 → "1:35"; 3700 → "1:01:40". */
export function fmtClock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

export function progressBar(ratio: number, width = 16): string {
  const r = Math.min(1, Math.max(0, ratio));
  const full = Math.round(r * width);
  return '▓'.repeat(full) + '░'.repeat(width - full);
}

export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
