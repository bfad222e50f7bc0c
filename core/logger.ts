import { redactSecrets } from './redact.ts';
import { pino, type Logger } from 'pino';

export type { Logger };

/** The one logger. Logs go to stderr so stdout stays for the transcript and `--json` events. */
export function createLogger(level: string = process.env.OURO_LOG_LEVEL ?? 'warn'): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: ['*.key', '*.token', '*.apiKey', 'headers.authorization'], remove: true },
      // Paths only catch secrets under known names; every secret value the host holds is
      // replaced wherever it appears in a line (core/redact.ts).
      hooks: { streamWrite: (line: string) => redactSecrets(line) },
    },
    pino.destination(2),
  );
}
