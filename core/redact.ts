/**
 * Value-based redaction of secrets in text that leaves the process (HTTP error bodies, logs).
 * A placeholder with the API the shared module on main exposes; that module replaces this one.
 */

/** Shorter values would match ordinary words and numbers. */
const MIN_SECRET_LENGTH = 8;
const secrets = new Set<string>();

/** Adds values (keys, tokens, passwords) to replace wherever they appear; short and unset ones are ignored. */
export function registerSecrets(values: Iterable<string | undefined>): void {
  for (const v of values) if (v !== undefined && v.length >= MIN_SECRET_LENGTH) secrets.add(v);
}

/** `text` with every registered secret replaced by `[redacted]` (longest first, so a secret containing another goes whole). */
export function redactSecrets(text: string): string {
  let out = text;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join('[redacted]');
  return out;
}
