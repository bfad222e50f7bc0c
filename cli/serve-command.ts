import { parseArgs } from 'node:util';
import type { Config } from '../core/config.ts';
import { OuroError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import {
  clearServeState,
  ensureBackgroundServer,
  runningServer,
  stopBackgroundServer,
  writeServeState,
} from '../deploy/background-server.ts';
import { createArtifactStore } from '../core/store/create-store.ts';
import { startRegistryMirror } from '../deploy/registry-mirror.ts';
import { startServer } from '../deploy/server.ts';

export const SERVE_USAGE = `Usage: ouro serve [--port <n>] [--host <addr>]   serve every registry model (foreground)
       ouro serve --background                    start it detached (pid and port in OURO_HOME/serve.json)
       ouro serve status                          is a background server running?
       ouro serve stop                            stop the background server

Routes: POST /v1/models/<name>/predict, POST /v2/models/<name>/infer, GET /models/<name>,
GET /v2/models/<name>, health at /v2/health/{live,ready} (docs/api.md). Prometheus /metrics is on
a separate listener, OURO_METRICS_HOST:OURO_METRICS_PORT (default 127.0.0.1:9464).
`;

export async function serveCommand(args: string[], config: Config, logger: Logger): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      background: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    process.stdout.write(SERVE_USAGE);
    return 0;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535))
    throw new OuroError('config_invalid', `--port must be a port number, got "${values.port}".`);
  const cfg: Config = {
    ...config,
    ...(port !== undefined ? { OURO_PORT: port } : {}),
    ...(values.host !== undefined ? { OURO_HOST: values.host } : {}),
  };

  switch (positionals[0]) {
    case 'stop': {
      const stopped = await stopBackgroundServer(cfg);
      process.stdout.write(
        stopped ? 'Stopped the prediction server.\n' : 'No prediction server was running.\n',
      );
      return 0;
    }
    case 'status': {
      const state = await runningServer(cfg);
      process.stdout.write(
        state === null
          ? 'No prediction server is running.\n'
          : `Serving at ${state.url} (pid ${state.pid}, since ${state.startedAt}).\n`,
      );
      return state === null ? 1 : 0;
    }
    case undefined:
      break;
    default:
      throw new OuroError('config_invalid', `Unknown serve command "${positionals[0]}".\n\n${SERVE_USAGE}`);
  }

  if (values.background === true) {
    const { state, started } = await ensureBackgroundServer(cfg);
    process.stdout.write(
      `${started ? 'Started' : 'Already running:'} the prediction server at ${state.url} (pid ${state.pid}); logs in ${state.log ?? 'OURO_HOME/logs/serve.log'}. Stop it with \`ouro serve stop\`.\n`,
    );
    return 0;
  }

  const other = await runningServer(cfg);
  if (other !== null)
    throw new OuroError(
      'config_invalid',
      `A prediction server for ${cfg.OURO_HOME} already runs at ${other.url} (pid ${other.pid}). Stop it with \`ouro serve stop\`.`,
    );
  const store = await createArtifactStore(cfg);
  if (store.kind !== 'fs')
    process.stdout.write(
      `Caching the registry of the ${store.kind} store in ${cfg.OURO_HOME}/registry (new versions within ${cfg.OURO_STORE_POLL_S} s)…\n`,
    );
  const mirror = await startRegistryMirror(store, cfg.OURO_HOME, logger, cfg.OURO_STORE_POLL_S);
  process.stdout.write(`Loading models from ${cfg.OURO_HOME}/registry…\n`);
  let server;
  try {
    server = await startServer({ config: cfg, logger });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new OuroError(
        'config_invalid',
        `Port ${cfg.OURO_PORT} on ${cfg.OURO_HOST} is in use. Pick another with --port or OURO_PORT.`,
      );
    throw err;
  }
  await writeServeState(cfg.OURO_HOME, {
    pid: process.pid,
    url: server.url,
    port: server.port,
    startedAt: new Date().toISOString(),
    log: process.env.OURO_SERVE_LOG ?? null,
  });
  process.stdout.write(
    `Serving at ${server.url}${server.metricsUrl !== null ? ` (metrics at ${server.metricsUrl}/metrics)` : ''}\n`,
  );
  for (const m of server.host.loaded())
    process.stdout.write(`  ${m.name} v${m.version} (${m.path})  ${server.url}/models/${m.name}\n`);

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stdout.write(`\n${signal}: finishing in-flight requests…\n`);
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await mirror?.stop();
  await server.close();
  await clearServeState(cfg.OURO_HOME);
  process.stdout.write('Stopped.\n');
  return 0;
}
