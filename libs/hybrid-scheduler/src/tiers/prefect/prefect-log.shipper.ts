import { Logger } from '@nestjs/common';
import type { TaskLogger } from '../../interfaces/index.js';
import type { PrefectClient } from './prefect.client.js';
import type { LogCreate } from './prefect.types.js';

const LEVEL = { debug: 10, log: 20, warn: 30, error: 40 } as const;
/** Prefect Cloud's limit for one log line; the OSS server allows 1,000,000. */
const MAX_MESSAGE = 25_000;
const MAX_BATCH = 200;
/** Logger name of the lines, like the Python engine's `prefect.flow_runs`. */
export const FLOW_RUN_LOGGER = 'nestjs.flow_runs';

/**
 * Collects the lines flow runs write through `ctx.logger` and ships them in batches to `POST /logs/`, so they
 * show in the Prefect UI under the run. Lines also go to the Nest logger. A batch that cannot be delivered
 * (after the client's retries) is dropped with one warning: logs never fail a run.
 */
export class PrefectLogShipper {
  private readonly logger = new Logger('HybridScheduler:PrefectLogs');
  private buffer: LogCreate[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  shipped = 0;
  dropped = 0;

  constructor(
    private readonly client: PrefectClient,
    private readonly flushIntervalMs = 1000,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.flushIntervalMs);
    this.timer.unref();
  }

  /**
   * A TaskLogger whose lines go to Nest (context = the job id) and to the flow run's logs in Prefect; with
   * `taskRunId`, to that task run's logs (a step's).
   */
  loggerFor(flowRunId: string, context: string, taskRunId?: string): TaskLogger {
    const nest = new Logger(context);
    const line = (level: keyof typeof LEVEL) => (message: string) => {
      nest[level](message);
      this.add(flowRunId, LEVEL[level], message, taskRunId);
    };
    return { log: line('log'), warn: line('warn'), error: line('error'), debug: line('debug') };
  }

  add(flowRunId: string | null, level: number, message: string, taskRunId?: string): void {
    const text = String(message);
    this.buffer.push({
      name: FLOW_RUN_LOGGER,
      level,
      message: text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 20)}… [truncated]` : text,
      timestamp: new Date().toISOString(),
      flow_run_id: flowRunId,
      ...(taskRunId ? { task_run_id: taskRunId } : {}),
    });
    if (this.buffer.length >= MAX_BATCH) void this.flush();
  }

  /** Sends everything buffered so far; resolves when it was sent (or dropped). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      while (this.buffer.length) {
        const batch = this.buffer.splice(0, MAX_BATCH);
        try {
          await this.client.createLogs(batch);
          this.shipped += batch.length;
        } catch (error) {
          this.dropped += batch.length;
          this.logger.warn(
            `Dropped ${batch.length} flow-run log line(s): ${error instanceof Error ? error.message : error}`,
          );
        }
      }
    });
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
