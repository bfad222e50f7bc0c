/**
 * Redaction by value (docs/architecture.md, "The trust boundary"). Pattern-based redaction
 * only knows the shapes it was told (`sk-…`); a planted link to /proc/self/environ shows every
 * secret in whatever shape it has. So the host keeps the VALUES of the secrets it holds — chat
 * tokens, the internal token, the provider key, cloud credentials, the Redis password, model
 * keys it made — and replaces each by `[redacted]` in everything that leaves it: LLM prompts,
 * events, thread messages, logs, HTTP error bodies (docs/security.md lists the exits).
 */

export const REDACTED = '[redacted]';

/** Shorter values are too likely to occur by chance ("true", a port) to be worth replacing. */
const MIN_SECRET_LENGTH = 8;

/** Settings that hold secrets, by name; anything named like a secret counts too (below). */
const SECRET_SETTINGS = [
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_CLIENT_SECRET',
  'DISCORD_TOKEN',
  'OURO_INTERNAL_TOKEN',
  'OPENAI_API_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
] as const;

const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIAL)/i;

const secrets = new Set<string>();
let matcher: RegExp | null = null;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The forms a secret takes on its way out: as is, URL-encoded, JSON-escaped. */
function forms(value: string): string[] {
  const out = new Set([value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]);
  return [...out];
}

/** Adds secret values to redact from now on (idempotent; short and empty values are ignored). */
export function registerSecrets(values: Iterable<string | undefined | null>): void {
  let added = false;
  for (const v of values) {
    if (typeof v !== 'string' || v.trim().length < MIN_SECRET_LENGTH) continue;
    for (const f of forms(v)) {
      if (!secrets.has(f)) {
        secrets.add(f);
        added = true;
      }
    }
  }
  if (added) {
    // Longest first, so a secret that contains another is replaced whole.
    const sorted = [...secrets].sort((a, b) => b.length - a.length).map(escapeRegExp);
    matcher = new RegExp(sorted.join('|'), 'g');
  }
}

/** The secret values in an environment: the known settings, secret-named ones, Redis's password. */
export function secretsInEnv(env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value === '') continue;
    if ((SECRET_SETTINGS as readonly string[]).includes(name) || SECRET_NAME.test(name)) out.push(value);
  }
  for (const name of ['REDIS_URL', 'OURO_S3_ENDPOINT', 'OPENAI_BASE_URL', 'DATABASE_URL']) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    try {
      const url = new URL(value);
      if (url.password !== '') out.push(decodeURIComponent(url.password), url.password);
    } catch {
      // Not a URL: the config reader says so; nothing to redact here.
    }
  }
  return out;
}

/** Registers the secrets of `env` (the process environment by default). */
export function registerEnvSecrets(env: NodeJS.ProcessEnv = process.env): void {
  registerSecrets(secretsInEnv(env));
}

/**
 * `text` with every registered secret replaced by `[redacted]`. `allow` names values that may
 * stay: the one private message that hands a new model key to the person who asked for it.
 */
export function redactSecrets(text: string, allow: readonly string[] = []): string {
  if (matcher === null || text.length === 0) return text;
  return text.replace(matcher, (m) => (allow.includes(m) ? m : REDACTED));
}

/** A JSON-shaped value with every string redacted (events, chat payloads). */
export function redactDeep<T>(value: T, allow: readonly string[] = []): T {
  if (matcher === null) return value;
  if (typeof value === 'string') return redactSecrets(value, allow) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, allow)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, allow);
    return out as T;
  }
  return value;
}

/** True when `bytes` (a file about to be uploaded) contains any registered secret. */
export function containsSecret(bytes: Uint8Array | string): boolean {
  if (matcher === null) return false;
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('latin1');
  matcher.lastIndex = 0;
  const hit = matcher.test(text);
  matcher.lastIndex = 0;
  return hit;
}

/** For tests: forget every registered secret. */
export function clearSecretsForTests(): void {
  secrets.clear();
  matcher = null;
}
