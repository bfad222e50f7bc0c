import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { OuroError } from './errors.ts';

/** The repository (or installed package) root: where the harness and the local virtualenv live. */
export const PACKAGE_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)).replace(/[\\/]dist[\\/]?$/, ''));

/**
 * Root's home is not reachable by the unprivileged sandbox user, so root keeps its data in
 * /var/lib/ouro; everyone else in ~/.ouro.
 */
function defaultHome(): string {
  return process.getuid?.() === 0 ? '/var/lib/ouro' : join(homedir(), '.ouro');
}

const intFromEnv = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Every setting ouro reads from the environment, in one place. */
const ConfigSchema = z.object({
  OURO_HOME: z.string().default(defaultHome()),
  OURO_SANDBOX: z.enum(['process', 'docker']).default('process'),
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
  /** Largest request body the prediction server reads (413 beyond). */
  OURO_SERVE_MAX_BODY_MB: intFromEnv(10),
  /** Most rows one prediction request may hold (413 beyond). */
  OURO_SERVE_MAX_ROWS: intFromEnv(10_000),
  /** Python worker processes per model served on the Python path. */
  OURO_SERVE_WORKERS: intFromEnv(2),
  /** `auto`: serve through ONNX in-process when the export matches the Python model; `off`: always Python. */
  OURO_SERVE_ONNX: z.enum(['auto', 'off']).default('auto'),
});
export type Config = z.infer<typeof ConfigSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new OuroError('config_invalid', `Invalid configuration:\n${lines.join('\n')}`);
  }
  return { ...parsed.data, OURO_HOME: resolve(parsed.data.OURO_HOME) };
}
