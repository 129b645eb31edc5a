import { Logger } from '@nestjs/common';
import type { AsyncMessage, Consumer } from 'rabbitmq-client';
import { sleep } from '../../../common/timers.js';
import { catchUpGraceMs, dueTicks } from '../../../schedule/due-ticks.js';
import { reportMissedTicks } from '../missed-ticks.log.js';
import { nextDue } from '../../../schedule/schedule.calculator.js';
import type { EngineEvents, EngineWorkflow } from '../queue-engine.interface.js';
import { describeAmqpError, type RabbitMqBroker } from './rabbitmq-broker.js';
import { jobEnvelope } from './rabbitmq-message.js';
import { rabbitmqClient } from './rabbitmq.module-loader.js';
import type { RabbitMqTopology } from './rabbitmq-topology.js';

/** `every` schedules count their periods from the epoch, so every replica computes the same ticks. */
const ANCHOR = new Date(0);

interface Token {
  lastTickAt: number | null;
}

interface Held {
  token: Token;
  release(status: number): void;
}

/**
 * The recurring schedule of one workflow, fired by exactly one replica: every consuming replica consumes the
 * single-active-consumer queue `<work>.ticker` (prefetch 1), which holds one token message. The replica that
 * holds the token unacked is the ticker; if it dies its channel closes, the broker gives the token to the next
 * consumer, and that replica takes over. The token carries the last fired tick, so the new ticker reports the
 * ticks nobody fired as `missed` and applies `catchUp`. After each tick the ticker publishes the next token
 * and acks the old one (the queue's max-length of 1 drops a spare token left by a booting replica).
 */
export class RabbitMqTicker {
  private consumer?: Consumer;
  private held?: Held;
  private waiting?: (held: Held) => void;
  private leading?: AbortController;
  private stopped = false;
  /** The latest tick this replica fired. */
  private lastFired?: number;
  private readonly logger: Logger;

  constructor(
    private readonly workflow: EngineWorkflow,
    private readonly topology: RabbitMqTopology,
    private readonly broker: RabbitMqBroker,
    private readonly events: EngineEvents,
  ) {
    this.logger = new Logger(`HybridScheduler:RabbitMQ:${workflow.name}`);
  }

  /** Whether this replica fires the ticks now. */
  get isTicker(): boolean {
    return !!this.leading && !this.leading.signal.aborted;
  }

  /** The next tick on the schedule's grid (whichever replica fires it). */
  nextRunAt(): Date | null {
    return nextDue(this.workflow.schedule, new Date(), ANCHOR);
  }

  async start(): Promise<void> {
    const { topology } = this;
    await this.broker.declare(topology.ticker, topology.tickerArgs());
    // Only an empty queue gets a token: a held token is not counted, and then the spare is dropped later.
    if ((await this.broker.messageCount(topology.ticker)) === 0)
      await this.broker.publish(topology.ticker, { lastTickAt: null } satisfies Token);
    this.consumer = this.broker.connection.createConsumer(
      {
        queue: topology.ticker,
        queueOptions: { durable: true, arguments: topology.tickerArgs() },
        qos: { prefetchCount: 1 },
        concurrency: 1,
        requeue: true,
      },
      (msg) => this.hold(msg),
    );
    this.consumer.on('error', (error: unknown) => {
      this.logger.warn(`Ticker of ${topology.work}: ${describeAmqpError(error)}`);
      this.abdicate();
    });
    // A lost connection loses the token with it; the broker hands it to another replica.
    this.broker.connection.on('error', () => this.abdicate());
  }

  /**
   * Hands the token back (another replica takes over at once) and stops ticking. A tick fired since the held
   * token was written goes into a new token first, so the next ticker does not fire it again or miss the gap.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    const held = this.held;
    const fired = this.lastFired;
    if (held && fired !== undefined && (held.token.lastTickAt ?? Number.NEGATIVE_INFINITY) < fired) {
      this.leading?.abort();
      this.leading = undefined;
      this.held = undefined;
      const { ConsumerStatus } = rabbitmqClient();
      const written = await this.broker
        .publish(this.topology.ticker, { lastTickAt: fired } satisfies Token)
        .then(() => true)
        .catch(() => false);
      held.release(written ? ConsumerStatus.ACK : ConsumerStatus.REQUEUE);
    } else this.abdicate();
    await this.consumer?.close().catch(() => undefined);
  }

  private hold(msg: AsyncMessage): Promise<number> {
    const { ConsumerStatus } = rabbitmqClient();
    if (this.stopped) return Promise.resolve(ConsumerStatus.REQUEUE);
    const body = msg.body as Partial<Token> | null;
    const token: Token = { lastTickAt: typeof body?.lastTickAt === 'number' ? body.lastTickAt : null };
    return new Promise<number>((resolve) => {
      const held: Held = { token, release: resolve };
      this.held = held;
      if (this.waiting) {
        const waiter = this.waiting;
        this.waiting = undefined;
        waiter(held);
      } else if (!this.isTicker) {
        this.leading = new AbortController();
        void this.lead(token, this.leading.signal);
      }
    });
  }

  private abdicate(): void {
    this.leading?.abort();
    this.leading = undefined;
    this.waiting = undefined;
    const held = this.held;
    this.held = undefined;
    held?.release(rabbitmqClient().ConsumerStatus.REQUEUE);
  }

  private async lead(token: Token, signal: AbortSignal): Promise<void> {
    const { schedule, name } = this.workflow;
    let after = new Date();
    try {
      if (token.lastTickAt !== null) {
        const gap = this.catchUp(new Date(token.lastTickAt));
        after = gap.from;
        // The next token records the next regular tick; until then a successor would catch up again.
        if (gap.runNow) await this.fire(gap.runNow);
      }
      for (;;) {
        const due = nextDue(schedule, after, ANCHOR);
        if (!due) return;
        if (!(await sleep(due.getTime() - Date.now(), signal))) return;
        await this.fire(due);
        await this.rotate(due, signal);
        after = due;
      }
    } catch (error) {
      if (!signal.aborted)
        this.logger.warn(`Ticker of ${name} stops ticking here: ${describeAmqpError(error)}`);
      this.abdicate();
    }
  }

  /**
   * Ticks after `last` that are older than the grace (one period, at most 60 s) were due while no replica
   * ticked: all are reported as `missed`, and under `catchUp: 'once'` the latest of them runs now instead.
   * Returns the time to schedule from.
   */
  private catchUp(last: Date): { from: Date; runNow?: Date } {
    const { schedule, catchUp, name } = this.workflow;
    const first = nextDue(schedule, last, ANCHOR);
    const { ticks, omitted } = dueTicks(
      schedule,
      first,
      new Date(Date.now() - catchUpGraceMs(schedule)),
      ANCHOR,
    );
    if (!ticks.length) return { from: last };
    const runNow = catchUp === 'once' ? ticks.pop() : undefined; // the ones left are the missed ones
    const reason = `no replica was ticking when the tick was due (catchUp: ${catchUp})`;
    reportMissedTicks(this.events, name, { ticks, omitted }, reason);
    return { from: runNow ?? ticks[ticks.length - 1], runNow };
  }

  private async fire(due: Date): Promise<void> {
    const job = {
      jobKey: `tick-${due.toISOString()}`,
      attempt: 1,
      enqueuedAt: new Date(),
      scheduledAt: due,
    };
    await this.broker.publish(this.topology.work, this.workflow.schedulePayload, jobEnvelope(job));
    this.lastFired = Math.max(this.lastFired ?? 0, due.getTime());
  }

  /** Publishes the token for the next holder, then acks the one held (the broker delivers the new one). */
  private async rotate(due: Date, signal: AbortSignal): Promise<void> {
    const held =
      this.held ??
      (await new Promise<Held | undefined>((resolve) => {
        // Removed once the token came: the signal lives as long as this replica leads.
        const onAbort = () => resolve(undefined);
        this.waiting = (next) => {
          signal.removeEventListener('abort', onAbort);
          resolve(next);
        };
        signal.addEventListener('abort', onAbort, { once: true });
      }));
    if (!held || signal.aborted) return;
    await this.broker.publish(this.topology.ticker, { lastTickAt: due.getTime() } satisfies Token);
    if (this.held === held) this.held = undefined;
    held.release(rabbitmqClient().ConsumerStatus.ACK);
  }
}
