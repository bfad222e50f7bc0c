/**
 * The sandbox's whole environment. An allow-list: nothing of the host's environment is
 * inherited except two OpenBLAS tuning knobs (CPU detection on odd hosts), and only when set.
 */
import type { SandboxLimits } from '../driver.ts';

export const HOST_PASSTHROUGH = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'] as const;

export function sandboxEnv(opts: {
  harnessDir: string;
  limits: SandboxLimits;
  specEnv?: Record<string, string> | undefined;
  hostEnv?: NodeJS.ProcessEnv;
}): Record<string, string> {
  const hostEnv = opts.hostEnv ?? process.env;
  const threads = String(Math.max(1, Math.floor(opts.limits.cpus)));
  const env: Record<string, string> = {
    PATH: '/usr/bin:/bin',
    HOME: '/tmp',
    LANG: 'C.UTF-8',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    MPLBACKEND: 'Agg',
    OMP_NUM_THREADS: threads,
    OPENBLAS_NUM_THREADS: threads,
    MKL_NUM_THREADS: threads,
  };
  for (const key of HOST_PASSTHROUGH) {
    const value = hostEnv[key];
    if (value !== undefined && value !== '') env[key] = value;
  }
  const specEnv = opts.specEnv ?? {};
  for (const [key, value] of Object.entries(specEnv)) {
    if (key !== 'PYTHONPATH') env[key] = value;
  }
  // The harness first, then whatever the caller adds.
  env.PYTHONPATH = [opts.harnessDir, specEnv.PYTHONPATH].filter((p) => p !== undefined && p !== '').join(':');
  return env;
}
