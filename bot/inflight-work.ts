import type { Logger } from '../core/logger.ts';

/**
 * Event handlers a chat adapter has started and not finished: failures are logged (a bad event
 * must not take the bot down) and `drain()` waits for all of them on shutdown.
 */
export class InflightWork {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  track(work: () => Promise<void>): void {
    const p = work()
      .catch((err: unknown) =>
        this.logger.error(
          { err: (err as Error).stack ?? String(err) },
          `${this.what}: handling an event failed`,
        ),
      )
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  async drain(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }
}
