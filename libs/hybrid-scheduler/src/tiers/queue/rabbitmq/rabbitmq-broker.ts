import type { Connection, Publisher } from 'rabbitmq-client';
import { OutageLog } from '../../../common/outage-log.js';
import { amqpAddress } from './rabbitmq-address.js';
import type { JobEnvelope } from './rabbitmq-message.js';
import { rabbitmqClient } from './rabbitmq.module-loader.js';
import { RABBITMQ_DEFAULTS, type RabbitMqEngineOptions } from './rabbitmq.options.js';

/** How long a queue declared by this process is taken as existing before it is declared again. */
const REDECLARE_AFTER_MS = 60_000;

/** Short error text without the URL (rabbitmq-client messages name codes and reasons, not credentials). */
export const describeAmqpError = (error: unknown): string => {
  const e = error as { code?: string; message?: string };
  // A close during the handshake names no method: the client writes "undefined: <reply text>".
  const message = e.message?.replace(/^undefined: /, '');
  return e.code && message && !message.includes(e.code)
    ? `${e.code}: ${message}`
    : (message ?? String(error));
};

/** What follows "RabbitMQ at <address>" when it cannot be used: refused credentials are not "unreachable". */
export const amqpProblem = (error: unknown): string =>
  (error as { code?: string }).code === 'ACCESS_REFUSED'
    ? `refused the credentials (${describeAmqpError(error)}); check the user and password of queue.rabbitmq.url`
    : `is unreachable (${describeAmqpError(error)})`;

/**
 * One AMQP connection (rabbitmq-client reconnects on its own) and one confirming publisher: every publish
 * resolves only after the broker has taken the message (persistent, into durable queues). The connection's
 * losses and reconnects feed `outage` (one WARN per outage, the engine guard bounds calls meanwhile).
 */
export class RabbitMqBroker {
  readonly address: string;
  readonly connection: Connection;
  private readonly publisher: Publisher;
  readonly outage: OutageLog;
  private readonly declared = new Map<string, number>();
  private lastError = '';

  constructor(
    readonly options: RabbitMqEngineOptions,
    purpose: string,
  ) {
    this.address = amqpAddress(options.url);
    this.outage = new OutageLog(`RabbitMQ at ${this.address}`, 'HybridScheduler:RabbitMQ');
    const { Connection: ConnectionClass } = rabbitmqClient();
    this.connection = new ConnectionClass({
      url: options.url,
      tls: options.tls,
      heartbeat: options.heartbeatSeconds ?? RABBITMQ_DEFAULTS.heartbeatSeconds,
      connectionName: `nestjs-hybrid-scheduler ${purpose}`,
      retryLow: 250,
      retryHigh: 2000,
      acquireTimeout: 10_000,
    });
    this.connection.on('error', (error: unknown) => {
      this.lastError = describeAmqpError(error);
      this.declared.clear();
      if (this.connection.ready) this.outage.note(this.lastError);
      else this.outage.fail('connection', `${amqpProblem(error)}; reconnecting`);
    });
    this.connection.on('connection', () => {
      this.lastError = '';
      this.outage.ok('connection');
    });
    // One attempt: a publish whose confirm was lost with the connection may still be in the queue, and the
    // client's republish on the next connection ran such a job twice. The caller gets the error instead.
    this.publisher = this.connection.createPublisher({ confirm: true, maxAttempts: 1 });
  }

  get ready(): boolean {
    return this.connection.ready;
  }

  get problem(): string {
    return this.lastError;
  }

  /** Declares a durable queue once a minute at most per process (arguments must match every time). */
  async declare(queue: string, args: Record<string, unknown>): Promise<void> {
    const at = this.declared.get(queue);
    if (at !== undefined && Date.now() - at < REDECLARE_AFTER_MS) return;
    await this.connection.queueDeclare({ queue, durable: true, arguments: args });
    this.declared.set(queue, Date.now());
  }

  /**
   * Publishes a persistent JSON message to `queue` through the default exchange; resolves on the confirm. The
   * body is serialized here, as rabbitmq-client would for an object, so that a string payload travels as JSON
   * too (rabbitmq-client would send it as text/plain, which the consumer could not parse back).
   */
  publish(queue: string, body: unknown, envelope: JobEnvelope = {}): Promise<void> {
    return this.publisher.send(
      {
        routingKey: queue,
        durable: true,
        contentType: 'application/json',
        messageId: envelope.messageId,
        priority: envelope.priority,
        headers: envelope.headers,
      },
      Buffer.from(JSON.stringify(body ?? null)),
    );
  }

  /** Ready messages in `queue`, 0 when it does not exist. */
  async messageCount(queue: string): Promise<number> {
    return (await this.queueSize(queue)) ?? 0;
  }

  /** Ready messages in `queue`, undefined when it does not exist (a passive declare on a channel of its own). */
  async queueSize(queue: string): Promise<number | undefined> {
    const ch = await this.connection.acquire();
    try {
      return (await ch.queueDeclare({ queue, passive: true })).messageCount;
    } catch (error) {
      if ((error as { code?: string }).code === 'NOT_FOUND') return undefined;
      throw error;
    } finally {
      if (ch.active) await ch.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.publisher.close().catch(() => undefined);
    await this.connection.close().catch(() => this.connection.unsafeDestroy());
  }
}

/** Connects once within `timeoutMs`; a reason naming the address (never the credentials) on failure. */
export async function probeRabbitMq(
  options: RabbitMqEngineOptions,
  timeoutMs = 3000,
): Promise<string | undefined> {
  const { Connection: ConnectionClass } = rabbitmqClient();
  const connection = new ConnectionClass({
    url: options.url,
    tls: options.tls,
    connectionTimeout: timeoutMs,
    retryLow: 200,
    retryHigh: 1000,
  });
  let lastError: unknown;
  connection.on('error', (error: unknown) => (lastError = error));
  try {
    await connection.onConnect(timeoutMs);
    return undefined;
  } catch (error) {
    return `RabbitMQ at ${amqpAddress(options.url)} ${amqpProblem(lastError ?? error)}`;
  } finally {
    connection.unsafeDestroy();
  }
}
