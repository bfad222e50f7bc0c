import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { OuroError } from './errors.ts';
import { registerEnvSecrets } from './redact.ts';

/** The repository (or installed package) root: where the harness and the local virtualenv live. */
export const PACKAGE_ROOT = resolve(
  fileURLToPath(new URL('..', import.meta.url)).replace(/[\\/]dist[\\/]?$/, ''),
);

/**
 * Root's home is not reachable by the unprivileged sandbox user, so root keeps its data in
 * /var/lib/ouro; everyone else in ~/.ouro.
 */
function defaultHome(): string {
  return process.getuid?.() === 0 ? '/var/lib/ouro' : join(homedir(), '.ouro');
}

const intFromEnv = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** An unset variable and an empty one mean the same: not configured. */
const optionalString = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/** A comma-separated list ("C123, C456"); unset or empty means no restriction. */
const idList = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  z.array(z.string().min(1)).default([]),
);

const slackToken = (prefix: string, what: string) =>
  optionalString(z.string().startsWith(prefix, `${what} starts with "${prefix}"`));

/** USD per million tokens, by model name (a dated snapshot like `gpt-4.1-mini-2025-04-14` matches its prefix). */
export const LlmPricesSchema = z.record(
  z.string().min(1),
  z.object({ input: z.number().nonnegative(), output: z.number().nonnegative() }),
);
export type LlmPrices = z.infer<typeof LlmPricesSchema>;

/** OpenAI's list prices when this table was written; OURO_LLM_PRICES overrides or adds entries. */
export const DEFAULT_LLM_PRICES: LlmPrices = {
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-5': { input: 1.25, output: 10 },
  'gpt-5-mini': { input: 0.25, output: 2 },
  'gpt-5-nano': { input: 0.05, output: 0.4 },
  'o4-mini': { input: 1.1, output: 4.4 },
  o3: { input: 2, output: 8 },
};

const pricesFromEnv = z
  .preprocess((v) => (v === '' ? undefined : v), z.string().optional())
  .transform((text, ctx): LlmPrices => {
    if (text === undefined) return DEFAULT_LLM_PRICES;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: 'not JSON; expected e.g. {"my-model": {"input": 0.5, "output": 1.5}} (USD per 1M tokens)',
      });
      return z.NEVER;
    }
    const parsed = LlmPricesSchema.safeParse(json);
    if (!parsed.success) {
      ctx.addIssue({
        code: 'custom',
        message: `expected {"<model>": {"input": <usd per 1M>, "output": <usd per 1M>}}: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      });
      return z.NEVER;
    }
    return { ...DEFAULT_LLM_PRICES, ...parsed.data };
  });

/** Words that mark a value copied from an example instead of generated. */
const PLACEHOLDER =
  /change[-_ ]?me|changeme|example|placeholder|your[-_ ]|replace[-_ ]?(me|this)|long[-_ ]random|random[-_ ]string|xxxx|^secret$|^password$|^token$/i;

/**
 * A secret that opens every model must be generated, not typed: placeholders from
 * .env.example or the docs, short values and values of a few repeated characters are refused
 * at start-up with the command that makes a good one (docs/security.md).
 */
export function secretWeakness(value: string): string | null {
  const fix =
    'make one with `openssl rand -base64 32` and set it in .env (the same value for the bot and `ouro serve`)';
  if (PLACEHOLDER.test(value)) return `this is a placeholder, not a secret: ${fix}`;
  if (value.length < 32) return `too short (${value.length} characters; at least 32): ${fix}`;
  if (new Set(value).size < 10) return `too few different characters to be random: ${fix}`;
  return null;
}

function strongSecret(value: string, ctx: z.RefinementCtx): void {
  const weak = secretWeakness(value);
  if (weak !== null) ctx.addIssue({ code: 'custom', message: weak });
}

/** Every setting ouro reads from the environment, in one place. */
const ConfigSchema = z.object({
  OURO_HOME: z.string().default(defaultHome()),
  OURO_SANDBOX: z.enum(['process', 'docker']).default('process'),
  /**
   * `strict` (default): the process driver refuses to start without bubblewrap namespaces.
   * `weak`: runs anyway with a separate uid and rlimits only, and every run says so (docs/security.md).
   */
  OURO_SANDBOX_ISOLATION: z.enum(['strict', 'weak']).default('strict'),
  /** The docker driver's image; unset: ouro-sandbox:<hash of sandbox/requirements.txt + sandbox/image/Dockerfile> (docs/sandbox.md). */
  OURO_SANDBOX_IMAGE: optionalString(z.string().min(1)),
  OURO_PYTHON: z.string().default(join(PACKAGE_ROOT, '.venv', 'bin', 'python')),
  OURO_MAX_UPLOAD_MB: intFromEnv(1024),
  OURO_SANDBOX_MEMORY_MB: intFromEnv(4096),
  OURO_SANDBOX_PIDS: intFromEnv(512),
  OURO_SANDBOX_CPUS: intFromEnv(2),
  /** Upper bound on one experiment's wall time, whatever the run's budget. */
  OURO_EXPERIMENT_TIMEOUT_S: intFromEnv(300),
  OURO_OUTPUT_CAP_KB: intFromEnv(256),
  OURO_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
  OURO_HOST: z.string().default('127.0.0.1'),
  OURO_PORT: z.coerce.number().int().min(0).max(65535).default(8808),
  OURO_PUBLIC_URL: z.string().url().optional(),
  /** Chromium for an analysis report's PDF (print-to-PDF); absent: the report has no PDF and says so. */
  OURO_CHROMIUM: z.string().default('/usr/bin/chromium'),
  /** Where the bot reaches the prediction API from inside the deployment (default: the public URL). */
  OURO_DEPLOY_URL: z.string().url().optional(),
  /** Redis for the queue, events and control; `ouro up` starts a private redis-server when unset. */
  REDIS_URL: z.string().url().optional(),
  OURO_QUEUE_NAME: z
    .string()
    .regex(/^[a-z0-9-]+$/)
    .default('runs'),
  OURO_WORKER_CONCURRENCY: intFromEnv(1),
  /** How long a worker's claim on a run lasts without renewal; a killed worker's run is taken over after it. */
  OURO_QUEUE_LOCK_MS: intFromEnv(30_000),
  /** How long a finished run's event stream stays in Redis after it is archived to the store. */
  OURO_EVENTS_TTL_S: intFromEnv(3600),
  /** How long the bot waits for the answer to a question in a run's thread (which column to predict). */
  OURO_QUESTION_WAIT_S: intFromEnv(1800),
  /** Seconds a stopping worker waits for its running experiments before leaving them to another worker. */
  OURO_SHUTDOWN_GRACE_S: intFromEnv(20),
  /** The worker's /metrics and /health port; 0: no metrics server. Bound to OURO_METRICS_HOST. */
  OURO_WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** Where the Prometheus listeners (prediction server and worker) bind: loopback unless you expose them on purpose. */
  OURO_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** The prediction server's /metrics listener, apart from the public API port (0: any free port). */
  OURO_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** Largest request body the prediction server reads (413 beyond). */
  OURO_SERVE_MAX_BODY_MB: intFromEnv(10),
  /** Most rows one prediction request may hold (413 beyond). */
  OURO_SERVE_MAX_ROWS: intFromEnv(10_000),
  /** Most rows one `ouro synthesize` (or chat request for synthetic data) may make. */
  OURO_SYNTH_MAX_ROWS: intFromEnv(100_000),
  /** Largest synthetic file uploaded into a chat thread, in MB; a bigger one is linked instead (bounded by the platform's own limit). */
  OURO_SYNTH_UPLOAD_MB: intFromEnv(8),
  /** Prediction requests per minute per API key (429 with Retry-After beyond); 0 turns the limit off. */
  OURO_SERVE_RATE_LIMIT: z.coerce.number().int().min(0).default(600),
  /** Python processes one model may be loaded in at once (and per owner); they are shared by the owner's models. */
  OURO_SERVE_WORKERS: intFromEnv(2),
  /** Resident memory of all Python serving processes together; beyond it the least recently used models are unloaded. */
  OURO_SERVE_MEMORY_MB: intFromEnv(1536),
  /** A Python serving process with no request for this many seconds stops (its models load again on demand). */
  OURO_SERVE_IDLE_S: intFromEnv(600),
  /** `auto`: serve through ONNX in-process when the export matches the Python model; `off`: always Python. */
  OURO_SERVE_ONNX: z.enum(['auto', 'off']).default('auto'),
  /** The LLM brain's provider (docs/llm.md). Only the SDK's Authorization header ever carries the key. */
  OPENAI_API_KEY: optionalString(z.string()),
  /** Any OpenAI-compatible endpoint: Azure, Ollama, vLLM... Unset: api.openai.com. */
  OPENAI_BASE_URL: optionalString(z.string().url()),
  OURO_LLM_MODEL: z.string().min(1).default('gpt-4.1-mini'),
  /** Prompt + completion tokens one run may spend; the run then stops with its best model. */
  OURO_LLM_MAX_TOKENS_PER_RUN: intFromEnv(400_000),
  OURO_LLM_MAX_USD_PER_RUN: z.coerce.number().positive().default(1),
  OURO_LLM_PRICES: pricesFromEnv,
  /** Per request, covering the SDK's wait for one reply. */
  OURO_LLM_TIMEOUT_S: intFromEnv(120),
  /** The SDK's own retries (429, 5xx, connection errors) before the run falls back to the heuristic brain. */
  OURO_LLM_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  /** Chat (docs/slack.md). The bot starts when SLACK_BOT_TOKEN is set, with SLACK_APP_TOKEN (socket mode) or SLACK_SIGNING_SECRET (http). */
  SLACK_BOT_TOKEN: slackToken('xoxb-', 'the bot token (OAuth & Permissions)'),
  SLACK_APP_TOKEN: slackToken('xapp-', 'the app-level token (Basic Information, scope connections:write)'),
  SLACK_SIGNING_SECRET: optionalString(z.string().min(1)),
  /** `socket`: no public URL needed; `http`: Slack posts to OURO_SLACK_PORT (behind your HTTPS proxy). */
  OURO_SLACK_MODE: z.enum(['socket', 'http']).default('socket'),
  OURO_SLACK_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** The Web API root (GovSlack, or a local fake in tests). */
  SLACK_API_URL: optionalString(z.string().url()),
  /** Who may use the bot: workspace (team) ids, channel ids, user ids. Empty: everyone. */
  OURO_ALLOWED_WORKSPACES: idList,
  OURO_ALLOWED_CHANNELS: idList,
  OURO_ALLOWED_USERS: idList,
  /** Discord (docs/discord.md). The Discord bot starts when DISCORD_TOKEN is set. */
  DISCORD_TOKEN: optionalString(z.string().min(1)),
  /** The application id (General Information): needed by `ouro discord register`. */
  DISCORD_APPLICATION_ID: optionalString(
    z.string().regex(/^\d+$/, 'the application id is a number (snowflake)'),
  ),
  /** The REST API root, e.g. http://127.0.0.1:port/api for a local fake in tests. Unset: discord.com. */
  DISCORD_API_URL: optionalString(z.string().url()),
  /** Who may use the Discord bot: guild (server) ids, channel ids (a thread counts as its parent channel), role ids. Empty: everyone. */
  OURO_DISCORD_ALLOWED_GUILDS: idList,
  OURO_DISCORD_ALLOWED_CHANNELS: idList,
  OURO_DISCORD_ALLOWED_ROLES: idList,
  /**
   * Ask for the privileged Message Content intent (on by default). `false`: the bot runs
   * without it, and only messages that mention it are read (steering needs `@ouro` in the
   * thread). Asking for it while the portal has it off makes the gateway close with 4014.
   */
  OURO_DISCORD_MESSAGE_CONTENT: z
    .preprocess((v) => (v === '' ? undefined : v), z.enum(['true', 'false', '1', '0']).default('true'))
    .transform((v) => v === 'true' || v === '1'),
  /** Where artifacts live (docs/configuration.md): `fs` under OURO_HOME, or `s3` on any S3-compatible service. */
  OURO_STORE: z.enum(['fs', 's3']).default('fs'),
  OURO_S3_BUCKET: optionalString(
    z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
        'an S3 bucket name: 3-63 lowercase letters, digits, dots and dashes',
      ),
  ),
  /** Prepended to every key, e.g. `ouro/prod`, so one bucket can hold several deployments. */
  OURO_S3_PREFIX: z.string().default(''),
  /** Unset: AWS S3. Set it for MinIO, moto, R2, Ceph... (e.g. http://minio:9000). */
  OURO_S3_ENDPOINT: optionalString(z.string().url()),
  OURO_S3_REGION: z.string().min(1).default('us-east-1'),
  /** Path-style URLs (endpoint/bucket/key), which MinIO and most self-hosted servers need. Unset: on when OURO_S3_ENDPOINT is set. */
  OURO_S3_FORCE_PATH_STYLE: optionalString(
    z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'),
  ),
  /** How often `ouro serve` looks for new model versions in a remote store. */
  OURO_STORE_POLL_S: intFromEnv(5),
  /** Which models a chat user may list and query with /predict: `team` (default), `channel`, or `all` (core/model-owner.ts, docs/security.md). */
  OURO_MODEL_ACCESS: z.enum(['team', 'channel', 'all']).default('team'),
  /** A service token the prediction API accepts for every model: how the bot answers /predict (keys are stored hashed). */
  OURO_INTERNAL_TOKEN: optionalString(z.string().superRefine(strongSecret)),
});
export type Config = z.infer<typeof ConfigSchema>;

/** Settings that only make sense together, checked after each is valid on its own. */
function crossChecks(config: Config): string[] {
  const problems: string[] = [];
  if (config.OURO_STORE === 's3' && config.OURO_S3_BUCKET === undefined)
    problems.push(
      '  OURO_S3_BUCKET: required when OURO_STORE=s3 (the bucket that holds uploads, runs and the registry)',
    );
  return problems;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new OuroError('config_invalid', `Invalid configuration:\n${lines.join('\n')}`);
  }
  // From here on every secret of this environment is redacted wherever it would leave the host.
  registerEnvSecrets(env);
  const problems = crossChecks(parsed.data);
  if (problems.length > 0)
    throw new OuroError('config_invalid', `Invalid configuration:\n${problems.join('\n')}`);
  return { ...parsed.data, OURO_HOME: resolve(parsed.data.OURO_HOME) };
}
