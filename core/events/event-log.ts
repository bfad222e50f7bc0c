import { redactDeep } from '../redact.ts';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RunEventSchema, type RunEvent, type RunEventInput } from '../schemas/events.ts';

/** Where a run says what it does. Local runs append to a file; queued runs to a Redis Stream. */
export interface EventSink {
  emit(event: RunEventInput): Promise<RunEvent>;
}

export type EventListener = (event: RunEvent) => void;

/** Somewhere a stamped event is appended: a file, a Redis Stream. */
export interface EventTarget {
  append(event: RunEvent): Promise<void>;
}

/** Stamps each event once and appends it to every target in order (the file first: it is the archive). */
export class FanoutEventSink implements EventSink {
  constructor(
    private readonly runId: string,
    private readonly targets: EventTarget[],
  ) {}

  async emit(input: RunEventInput): Promise<RunEvent> {
    // Events go to threads, archives and terminals: every secret the host holds is redacted here.
    const event = RunEventSchema.parse(
      redactDeep({ ...input, runId: this.runId, at: new Date().toISOString() }),
    );
    for (const t of this.targets) await t.append(event);
    return event;
  }
}

/** An append-only JSON-lines log of a run's events, replayable after a crash or resume. */
export class FileEventLog implements EventSink, EventTarget {
  private readonly listeners: EventListener[] = [];
  constructor(
    private readonly path: string,
    private readonly runId: string,
  ) {}

  onEvent(listener: EventListener): void {
    this.listeners.push(listener);
  }

  async emit(input: RunEventInput): Promise<RunEvent> {
    // Events go to threads, archives and terminals: every secret the host holds is redacted here.
    const event = RunEventSchema.parse(
      redactDeep({ ...input, runId: this.runId, at: new Date().toISOString() }),
    );
    await this.append(event);
    return event;
  }

  async append(event: RunEvent): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await appendFile(this.path, JSON.stringify(event) + '\n');
    for (const l of this.listeners) l(event);
  }

  static async replay(path: string): Promise<RunEvent[]> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return FileEventLog.parse(text);
  }

  /** The events of a JSON-lines log's text. */
  static parse(text: string): RunEvent[] {
    return text
      .split('\n')
      .filter((l) => l.trim().length > 0)
      .flatMap((l) => {
        // A line cut short by a killed process is skipped, not fatal.
        try {
          return [RunEventSchema.parse(JSON.parse(l))];
        } catch {
          return [];
        }
      });
  }
}
