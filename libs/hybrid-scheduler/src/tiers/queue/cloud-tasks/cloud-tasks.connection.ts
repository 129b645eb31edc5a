import { Logger } from '@nestjs/common';
import type { CloudTasksClient } from '@google-cloud/tasks';
import type { TierAvailability, TierHealth } from '../../../interfaces/index.js';
import type { EngineWorkflow } from '../queue-engine.interface.js';
import { DEFAULT_QUEUE_RETRY, durationToMs, queueConfigFor, type QueueRetry } from './cloud-tasks-backoff.js';
import { createCloudTasksClient, GRPC, grpcCode } from './cloud-tasks.client.js';
import { CloudTasksEnqueuer } from './cloud-tasks.enqueuer.js';
import { CloudTasksOutage } from './cloud-tasks.outage.js';
import type { CloudTasksSettings } from './cloud-tasks.settings.js';
import { redactedMessage } from '../../../common/redact.js';

type RetryConfig = { minBackoff?: unknown; maxBackoff?: unknown; maxDoublings?: number | null };

/**
 * The engine's line to the Cloud Tasks queue: the client and its enqueuer, the boot check (GetQueue), the
 * `ensureQueue` update, the queue's retry config (which the push handler needs to report retry delays),
 * health, and the API's outages (fed by CreateTask and GetQueue).
 */
export class CloudTasksConnection {
  private readonly logger = new Logger('HybridScheduler:CloudTasks');
  private client?: CloudTasksClient;
  private enqueuerOf?: CloudTasksEnqueuer;
  private readonly closed = new AbortController();
  readonly outage: CloudTasksOutage;
  retry: QueueRetry = DEFAULT_QUEUE_RETRY;

  constructor(
    private readonly settings: CloudTasksSettings,
    private readonly timeoutMs: number,
    private readonly signal: AbortSignal,
  ) {
    const { emulator } = settings.options;
    this.outage = new CloudTasksOutage(
      emulator ? `${emulator.host}:${emulator.port}` : 'cloudtasks.googleapis.com',
      () => this.requireClient().getQueue({ name: settings.queuePath }, { timeout: 1000 }),
      this.closed.signal,
    );
  }

  get enqueuer(): CloudTasksEnqueuer {
    if (!this.enqueuerOf)
      throw new Error(
        `Cloud Tasks engine used before probe() created its client (queue ${this.settings.queuePath})`,
      );
    return this.enqueuerOf;
  }

  /** Creates the client and checks that the queue answers (a missing queue is fine with `ensureQueue`). */
  async probe(): Promise<TierAvailability> {
    const { options, queuePath } = this.settings;
    try {
      this.client ??= await createCloudTasksClient(options);
      this.enqueuerOf ??= new CloudTasksEnqueuer(this.client, this.settings, this.signal, 100, this.outage);
      const [queue] = await this.client.getQueue({ name: queuePath }, { timeout: this.timeoutMs });
      this.readRetry(queue.retryConfig);
      return { available: true };
    } catch (error) {
      const missing = grpcCode(error) === GRPC.NOT_FOUND;
      if (missing && options.ensureQueue) return { available: true };
      const where = options.emulator
        ? `the emulator at ${options.emulator.host}:${options.emulator.port}`
        : 'cloudtasks.googleapis.com';
      return {
        available: false,
        reason: missing
          ? `Cloud Tasks queue ${queuePath} does not exist (create it, or set queue.cloudTasks.ensureQueue)`
          : `GetQueue ${queuePath} on ${where} failed: ${redactedMessage(error)}`,
      };
    }
  }

  /** Creates the queue or updates its retry config and rate limits to fit the workflows (UpdateQueue does both). */
  async ensureQueue(workflows: EngineWorkflow[]): Promise<void> {
    const config = queueConfigFor(workflows);
    const paths = ['retry_config', ...(config.rateLimits ? ['rate_limits.max_dispatches_per_second'] : [])];
    await this.requireClient().updateQueue({
      queue: {
        name: this.settings.queuePath,
        retryConfig: config.retryConfig,
        ...(config.rateLimits ? { rateLimits: config.rateLimits } : {}),
      },
      updateMask: { paths },
    });
    this.retry = config.retry;
    this.logger.log(
      `Queue ${this.settings.queuePath} ensured: backoff ${config.retry.minBackoffMs}ms..${config.retry.maxBackoffMs}ms` +
        (config.rateLimits ? `, ${config.rateLimits.maxDispatchesPerSecond}/s` : ''),
    );
  }

  async health(inFlight: number): Promise<TierHealth> {
    const { queuePath } = this.settings;
    try {
      const [queue] = await this.requireClient().getQueue({ name: queuePath }, { timeout: this.timeoutMs });
      this.outage.answered();
      const state = String(queue.state ?? 'UNKNOWN');
      return {
        status: state === 'RUNNING' ? 'up' : 'degraded',
        details: { queue: queuePath, state, inFlight },
      };
    } catch (error) {
      this.outage.failed(error);
      return { status: 'down', details: { queue: queuePath, error: redactedMessage(error) } };
    }
  }

  async close(): Promise<void> {
    this.closed.abort();
    await this.client?.close();
  }

  private requireClient(): CloudTasksClient {
    if (!this.client) throw new Error('client not created (probe failed)');
    return this.client;
  }

  private readRetry(retry: RetryConfig | null | undefined): void {
    this.retry = {
      minBackoffMs: durationToMs(retry?.minBackoff as never) ?? DEFAULT_QUEUE_RETRY.minBackoffMs,
      maxBackoffMs: durationToMs(retry?.maxBackoff as never) ?? DEFAULT_QUEUE_RETRY.maxBackoffMs,
      maxDoublings: retry?.maxDoublings ?? DEFAULT_QUEUE_RETRY.maxDoublings,
    };
  }
}
