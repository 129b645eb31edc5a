import { Logger } from '@nestjs/common';
import { keyPrefixOf } from '../../../common/key-prefix.js';
import { settleWithin } from '../../../common/settle-within.js';
import { TaskCancelledError, WorkflowNotFoundError } from '../../../errors/index.js';
import type { DeadLetter, EnqueueOptions, TierAvailability, TierHealth } from '../../../interfaces/index.js';
import type {
  EngineEvents,
  EngineWorkflow,
  EnqueuedJob,
  JobHeaders,
  JobProcessor,
  QueueEngine,
} from '../queue-engine.interface.js';
import type { EngineWatch } from '../../../common/engine-guard.js';
import { amqpAddress } from './rabbitmq-address.js';
import { probeRabbitMq, RabbitMqBroker } from './rabbitmq-broker.js';
import { listDeadLetters, purgeDeadLetters, retryDeadLetter } from './rabbitmq-dead-letters.js';
import { delayedCount, publishDue } from './rabbitmq-delays.js';
import { claimIdempotencyKey, releaseIdempotencyKey } from './rabbitmq-idempotency.js';
import { newJobKey } from './rabbitmq-job-key.js';
import { jobEnvelope, type JobEnvelope } from './rabbitmq-message.js';
import { RabbitMqTicker } from './rabbitmq-ticker.js';
import { amqpPriority, RabbitMqTopology } from './rabbitmq-topology.js';
import { RabbitMqWorkflow } from './rabbitmq-workflow.js';
import { RABBITMQ_DEFAULTS, type RabbitMqEngineOptions } from './rabbitmq.options.js';

interface Entry {
  consumer: RabbitMqWorkflow;
  ticker?: RabbitMqTicker;
}

/**
 * Queues on RabbitMQ (AMQP 0-9-1, rabbitmq-client): per workflow a durable work queue `<prefix>.<workflow>`
 * (persistent JSON messages, publisher confirms), a dead queue, TTL delay queues and, for recurring workflows,
 * a single-active-consumer ticker queue. One connection per process; rabbitmq-client reconnects and
 * re-declares consumers on its own.
 */
export class RabbitMqQueueEngine implements QueueEngine {
  readonly name = 'rabbitmq' as const;
  private readonly logger = new Logger('HybridScheduler:RabbitMQ');
  private readonly workflows = new Map<string, Entry>();
  private readonly shutdown = new AbortController();
  private broker?: RabbitMqBroker;
  private consuming = false;

  constructor(
    private readonly options: RabbitMqEngineOptions,
    /** How long removeWorkflow() lets a running job finish (the queue tier's shutdownTimeoutMs). */
    private readonly drainMs = 30_000,
  ) {}

  /** The connection's outages (known once a workflow is added: the broker is created then). */
  get outageWatch(): EngineWatch | undefined {
    return this.broker && { engine: 'rabbitmq', address: this.address, outage: this.broker.outage };
  }

  private get address(): string {
    return amqpAddress(this.options.url);
  }

  private get prefix(): string {
    return keyPrefixOf(this.options);
  }

  private connect(): RabbitMqBroker {
    this.broker ??= new RabbitMqBroker(this.options, 'queue engine');
    return this.broker;
  }

  async probe(): Promise<TierAvailability> {
    const problem = await probeRabbitMq(this.options);
    return problem ? { available: false, reason: `rabbitmq: ${problem}` } : { available: true };
  }

  addWorkflow(workflow: EngineWorkflow, processor: JobProcessor, events: EngineEvents): void {
    const broker = this.connect();
    const topology = new RabbitMqTopology(this.prefix, workflow.name);
    const consumer = new RabbitMqWorkflow(
      workflow,
      topology,
      processor,
      events,
      broker,
      this.shutdown.signal,
    );
    const ticker =
      workflow.schedule.kind === 'every' || workflow.schedule.kind === 'cron'
        ? new RabbitMqTicker(workflow, topology, broker, events)
        : undefined;
    this.workflows.set(workflow.name, { consumer, ticker });
  }

  /** Declares every queue; worker replicas consume, and take part in ticking (one of them fires each tick). */
  async start(consume: boolean): Promise<void> {
    const broker = this.connect();
    await broker.connection.onConnect(10_000, true);
    const entries = [...this.workflows.values()];
    await Promise.all(entries.map((e) => e.consumer.declare()));
    if (!consume) return;
    for (const { consumer } of entries) consumer.startConsuming();
    await Promise.all(entries.map((e) => e.ticker?.start()));
    this.consuming = true;
    this.logger.log(
      `Consuming ${this.workflows.size} workflow(s) from RabbitMQ at ${this.address} (prefix "${this.prefix}")`,
    );
  }

  async stopConsuming(): Promise<void> {
    // Cancel the consumers (prefetched messages go back when their channels close); running jobs go on.
    for (const { consumer, ticker } of this.workflows.values()) {
      void consumer.stopConsuming();
      await ticker?.stop();
    }
  }

  async close(drainMs: number): Promise<void> {
    const entries = [...this.workflows.values()];
    await Promise.all(entries.map((e) => e.ticker?.stop()));
    const closing = entries.map((e) => e.consumer.stopConsuming());
    if (!(await settleWithin(closing, drainMs))) {
      this.logger.warn(
        `Shutdown timeout (${drainMs}ms) reached; aborting running jobs and handing them back to RabbitMQ (no attempt is used)`,
      );
      this.shutdown.abort(new TaskCancelledError('application shutdown: the job goes back to the queue'));
      await settleWithin(closing, 1000);
    }
    await this.broker?.close();
    this.consuming = false;
  }

  async removeWorkflow(workflow: string): Promise<void> {
    const entry = this.get(workflow);
    this.workflows.delete(workflow);
    await entry.ticker?.stop();
    if (entry.ticker && this.broker)
      await this.broker.connection
        .queueDelete({ queue: entry.consumer.topology.ticker })
        .catch(() => undefined);
    await settleWithin([entry.consumer.stopConsuming()], this.drainMs);
  }

  /** Not async (no promise layer of its own on the enqueue path); a sync throw becomes a rejection in guardEngine. */
  enqueue(workflow: string, payload: unknown, options: EnqueueOptions, headers?: JobHeaders) {
    const { consumer } = this.get(workflow);
    const broker = this.connect();
    const now = Date.now();
    const jobKey = newJobKey(now);
    const dueAt = options.runAt
      ? options.runAt.getTime()
      : options.delayMs
        ? now + options.delayMs
        : undefined;
    const envelope = jobEnvelope(
      { jobKey, attempt: 1, enqueuedAt: new Date(now), headers },
      { priority: amqpPriority(options.priority), dueAt },
    );
    const key = options.idempotencyKey;
    if (key !== undefined) return this.enqueueOnce(consumer.topology, key, jobKey, payload, envelope, dueAt);
    // No idempotency key (the common case): the publish's own promise, no async layer around it.
    return publishDue(broker, consumer.topology, payload, envelope, dueAt).then(() => ({
      jobKey,
      created: true,
    }));
  }

  /** Publishes unless `key` was claimed within the window (then answers the claimed job); a failed publish frees it. */
  private async enqueueOnce(
    topology: RabbitMqTopology,
    key: string,
    jobKey: string,
    payload: unknown,
    envelope: JobEnvelope,
    dueAt: number | undefined,
  ): Promise<EnqueuedJob> {
    const broker = this.connect();
    const window = this.options.idempotencyWindowMs ?? RABBITMQ_DEFAULTS.idempotencyWindowMs;
    const claim = await claimIdempotencyKey(broker, topology, key, window, jobKey);
    if (!claim.claimed) return { jobKey: claim.jobKey ?? `key-${key}`, created: false };
    try {
      await publishDue(broker, topology, payload, envelope, dueAt);
    } catch (error) {
      await releaseIdempotencyKey(broker, topology, key);
      throw error;
    }
    return { jobKey, created: true };
  }

  async deadLetters(workflow: string): Promise<DeadLetter[]> {
    return listDeadLetters(this.connect(), this.get(workflow).consumer.topology);
  }

  async retryDeadLetter(workflow: string, jobKey: string): Promise<EnqueuedJob> {
    return retryDeadLetter(this.connect(), this.get(workflow).consumer.topology, jobKey);
  }

  async purgeDeadLetters(workflow: string): Promise<number> {
    return purgeDeadLetters(this.connect(), this.get(workflow).consumer.topology);
  }

  /** waiting and delayed are broker-wide; active counts the jobs running in this process. */
  async counts(workflow: string): Promise<Record<string, number>> {
    const { consumer } = this.get(workflow);
    const broker = this.connect();
    const [waiting, delayed, dead] = await Promise.all([
      broker.messageCount(consumer.topology.work),
      delayedCount(broker, consumer.topology),
      broker.messageCount(consumer.topology.dead),
    ]);
    return { waiting, active: consumer.active, delayed, failed: dead, dead };
  }

  async nextRunAt(workflow: string): Promise<Date | null> {
    return this.get(workflow).ticker?.nextRunAt() ?? null;
  }

  /** Stops this process's consumer of the workflow (RabbitMQ has no queue-wide pause); jobs wait in the queue. */
  async pause(workflow: string): Promise<void> {
    const { consumer } = this.get(workflow);
    consumer.paused = true;
    void consumer.stopConsuming();
  }

  async resume(workflow: string): Promise<void> {
    const { consumer } = this.get(workflow);
    consumer.paused = false;
    if (this.consuming) {
      await consumer.stopConsuming();
      consumer.startConsuming();
    }
  }

  async health(): Promise<TierHealth> {
    const ready = this.broker?.ready ?? false;
    const tickers = [...this.workflows.values()].filter((e) => e.ticker?.isTicker).length;
    return {
      status: ready ? 'up' : 'degraded',
      details: {
        provider: 'rabbitmq',
        address: this.address,
        connection: ready ? 'ready' : 'reconnecting',
        consuming: this.consuming,
        workflows: this.workflows.size,
        tickingHere: tickers,
        ...(ready
          ? {}
          : {
              reason: `RabbitMQ at ${this.address} is unreachable${this.broker?.problem ? ` (${this.broker.problem})` : ''}; reconnecting`,
            }),
      },
    };
  }

  private get(workflow: string): Entry {
    const entry = this.workflows.get(workflow);
    if (!entry) throw new WorkflowNotFoundError(workflow, [...this.workflows.keys()]);
    return entry;
  }
}
