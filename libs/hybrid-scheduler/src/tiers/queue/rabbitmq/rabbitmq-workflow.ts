import { Logger } from '@nestjs/common';
import type { AsyncMessage, Consumer } from 'rabbitmq-client';
import { sleep } from '../../../common/timers.js';
import { retryDelayMs } from '../backoff.delay.js';
import type { EngineEvents, EngineWorkflow, JobProcessor } from '../queue-engine.interface.js';
import { describeAmqpError, type RabbitMqBroker } from './rabbitmq-broker.js';
import { publishDue } from './rabbitmq-delays.js';
import { decodeBody, deliveredJob, dueAtOf, HEADER, jobEnvelope } from './rabbitmq-message.js';
import { RateWindow } from '../rate-window.js';
import { readAhead } from '../read-ahead.js';
import { rabbitmqClient } from './rabbitmq.module-loader.js';
import { SMALLEST_STEP_MS, type RabbitMqTopology } from './rabbitmq-topology.js';

const MAX_STACK_CHARS = 4000;

/**
 * One workflow's consumer on RabbitMQ: prefetch `readAhead(concurrency)` (the client runs at most `concurrency`
 * handlers at a time); a message is acked only after the handler succeeded or after its retry / dead letter
 * was confirmed by the broker; a channel lost mid-job gives the message back to the broker (another replica
 * runs it). Retries are new messages with `x-hs-attempt` + 1, sent through the delay queues; the last
 * failure goes to `<work>.dead` with the error in its headers.
 */
export class RabbitMqWorkflow {
  private consumer?: Consumer;
  private closing?: Promise<void>;
  private readonly logger: Logger;
  private readonly rate?: RateWindow;
  /** Handler runs in flight in this process. */
  active = 0;
  paused = false;

  constructor(
    readonly workflow: EngineWorkflow,
    readonly topology: RabbitMqTopology,
    private readonly processor: JobProcessor,
    readonly events: EngineEvents,
    private readonly broker: RabbitMqBroker,
    private readonly shutdown: AbortSignal,
  ) {
    this.logger = new Logger(`HybridScheduler:RabbitMQ:${workflow.name}`);
    if (workflow.rateLimit) this.rate = new RateWindow(workflow.rateLimit.max, workflow.rateLimit.durationMs);
  }

  /** Declares the work and dead queues (idempotent; every replica does it at boot). */
  async declare(): Promise<void> {
    await this.broker.declare(this.topology.work, this.topology.workArgs());
    await this.broker.declare(this.topology.dead, {});
  }

  get consuming(): boolean {
    return !!this.consumer && !this.closing;
  }

  startConsuming(): void {
    if (this.consumer && !this.closing) return;
    const { concurrency } = this.workflow;
    this.closing = undefined;
    this.consumer = this.broker.connection.createConsumer(
      {
        queue: this.topology.work,
        queueOptions: { durable: true, arguments: this.topology.workArgs() },
        qos: { prefetchCount: readAhead(concurrency) },
        concurrency,
        requeue: true,
      },
      (msg) => this.handle(msg),
    );
    this.consumer.on('error', (error: unknown) =>
      this.logger.warn(`Consumer of ${this.topology.work}: ${describeAmqpError(error)}`),
    );
  }

  /** Cancels the consumer; resolves when its running handlers have settled and its channel is closed. */
  stopConsuming(): Promise<void> {
    if (!this.consumer) return Promise.resolve();
    this.closing ??= this.consumer.close().catch(() => undefined);
    return this.closing;
  }

  private async handle(msg: AsyncMessage): Promise<number> {
    const { ConsumerStatus } = rabbitmqClient();
    const decoded = decodeBody(msg);
    if (!decoded.ok) {
      this.logger.error(
        `Message ${msg.messageId ?? `#${msg.deliveryTag}`} on ${this.topology.work} is not JSON; moved to ${this.topology.dead}`,
      );
      return ConsumerStatus.DROP; // the work queue's dead-letter exchange routes it to the dead queue
    }
    const job = deliveredJob(this.workflow.name, msg, decoded.value);
    const dueAt = dueAtOf(msg);
    if (dueAt !== undefined && dueAt - Date.now() >= SMALLEST_STEP_MS) {
      // Out of a delay queue before its time: on to the next step.
      await publishDue(
        this.broker,
        this.topology,
        decoded.value,
        jobEnvelope(job, { priority: msg.priority, dueAt }),
        dueAt,
      );
      return ConsumerStatus.ACK;
    }
    if (dueAt !== undefined && dueAt > Date.now()) await sleep(dueAt - Date.now(), this.shutdown);
    if (this.rate) await this.rate.take(this.shutdown);
    if (this.shutdown.aborted) return ConsumerStatus.REQUEUE;
    this.active++;
    try {
      await this.processor(job, this.shutdown);
      return ConsumerStatus.ACK;
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      // Aborted by our own shutdown, not by the job: back to the queue without using an attempt.
      if (this.shutdown.aborted) return ConsumerStatus.REQUEUE;
      if (job.attempt < this.workflow.attempts) {
        const delayMs = retryDelayMs(this.workflow.backoff, job.attempt);
        const retry = { ...job, attempt: job.attempt + 1 };
        const retryAt = Date.now() + delayMs;
        await publishDue(
          this.broker,
          this.topology,
          job.payload,
          jobEnvelope(retry, { priority: msg.priority, dueAt: retryAt }),
          retryAt,
        );
        this.events.retrying(job, failure, delayMs);
      } else if (this.workflow.deadLetter) {
        await this.broker.publish(
          this.topology.dead,
          job.payload,
          jobEnvelope(job, {
            priority: msg.priority,
            headers: {
              [HEADER.error]: failure.message,
              [HEADER.stack]: (failure.stack ?? '').slice(0, MAX_STACK_CHARS),
              [HEADER.failedAt]: Date.now(),
            },
          }),
        );
        this.events.deadLettered(job, failure);
      }
      return ConsumerStatus.ACK;
    } finally {
      this.active--;
    }
  }
}
