import { Logger } from '@nestjs/common';
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { DistinctWarnings } from '../../../common/distinct-warnings.js';
import { redactedMessage } from '../../../common/redact.js';
import { retryDelayMs } from '../backoff.delay.js';
import type { DeliveredJob, EngineEvents, EngineWorkflow, JobProcessor } from '../queue-engine.interface.js';
import { RateWindow } from '../rate-window.js';
import { deadLetterOf } from '../dead-letter-store.interface.js';
import { NatsDelayLoop } from './nats-delay-loop.js';
import { deliveredJob, metaHeaders, type JobMeta } from './nats-message.js';
import type { NatsRuntime } from './nats-runtime.js';
import { FETCH_EXPIRES_MS, UNFINISHED_DELIVERIES } from './nats-settings.js';
import { readAhead } from '../read-ahead.js';

/** Acks wait this long, so that those of several turns and the next pull share a socket write. */
const ACK_DELAY_MS = 2;

/** A reader kept waiting this long hands its consume back (under the client's 2 missed heartbeats of 500 ms). */
const GATE_MS = 750;

type Next = IteratorResult<JsMsg, unknown>;

/**
 * One workflow on JetStream in this process: a work loop on one long-lived `consume()` of `jobs_<name>` (one
 * subscription; the client asks for more as messages arrive), read only while there is room, so that at most
 * one message waits in our hands for a slot (`concurrency` while paused) and, since the client sends its next
 * pull only when the message before it is read, at most `readAhead(concurrency)` more wait in the
 * client's buffer; and a delay loop (nats-delay-loop.ts) for the messages not due yet. Acks only after the
 * handler succeeded; a failure is re-published as a delayed retry (or a dead letter) and then acked; a run
 * aborted by shutdown is NAKed back at once, without using an attempt.
 */
export class NatsWorkflow {
  readonly inFlight = new Set<Promise<void>>();
  /** Aborts running handlers (shutdown or removal past the drain timeout). */
  readonly abort = new AbortController();
  paused = false;
  private consuming = false;
  private loops: Promise<void>[] = [];
  /** Resolves the work loop's wait (a slot freed, the workflow resumed, consumption stopped). */
  private wakeUp?: () => void;
  /** Ends the read waiting for a message (stop() was called); set while one waits. */
  private cancelRead?: () => void;
  /** Messages being handled or held, told "working" every third of the ack wait by one timer (armed while any). */
  private readonly running = new Set<JsMsg>();
  /** Received and not running: waiting for a slot, or paused (not NAKed, which would count as a delivery). */
  private readonly held: JsMsg[] = [];
  private keepAlive?: NodeJS.Timeout;
  /** Successful runs whose ack goes out within ACK_DELAY_MS or with the next pull (ackSoon). */
  private readonly acks: JsMsg[] = [];
  /** Flushes `acks` ACK_DELAY_MS after the first of them; one Timeout, refreshed per batch (no allocation). */
  private ackTimer?: NodeJS.Timeout;
  private readonly rate?: RateWindow;
  /** Moves this workflow's delayed messages (delayMs, runAt, retries) to its work subject when due. */
  private readonly delayed: NatsDelayLoop;
  private readonly logger: Logger;
  /** A failure is logged once per distinct message in a row (connection loss shows in health and the outage log). */
  private readonly warnings: DistinctWarnings;

  constructor(
    readonly workflow: EngineWorkflow,
    private readonly processor: JobProcessor,
    readonly events: EngineEvents,
    private readonly rt: () => NatsRuntime,
  ) {
    this.logger = new Logger(`HybridScheduler:NATS:${workflow.name}`);
    this.warnings = new DistinctWarnings(this.logger);
    this.delayed = new NatsDelayLoop(
      workflow.name,
      rt,
      () => this.consuming,
      (what, error) => this.noteError(what, error),
    );
    if (workflow.rateLimit) this.rate = new RateWindow(workflow.rateLimit.max, workflow.rateLimit.durationMs);
  }

  start(): void {
    if (this.consuming) return;
    this.consuming = true;
    this.loops = [this.workLoop(), this.delayed.run()];
  }

  /** Stops pulling; returns once both loops ended (within about one pull). Running jobs keep running. */
  async stop(): Promise<void> {
    this.consuming = false;
    this.cancelRead?.();
    this.wake();
    await Promise.allSettled(this.loops);
    this.dispatch();
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    if (paused) return;
    this.dispatch();
    this.wake();
  }

  /** Keeps a received message until a slot is free (and the workflow not paused), told "working" meanwhile. */
  private take(msg: JsMsg): void {
    this.held.push(msg);
    this.running.add(msg);
    this.armKeepAlive();
    this.dispatch();
  }

  /** Runs held messages while slots are free, or hands them back at once (stopping; deliveries are not attempts). */
  private dispatch(): void {
    while (this.held.length > 0) {
      if (this.consuming && (this.paused || this.inFlight.size >= this.workflow.concurrency)) return;
      const msg = this.held.shift()!;
      // Stays in `running` (told "working") until its handler settles.
      if (this.consuming) this.track(this.handle(msg));
      else {
        this.running.delete(msg);
        msg.nak();
      }
    }
  }

  private wake(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }

  /** Waits until woken (no timer: every change the loop waits for wakes it). */
  private untilWoken(): Promise<void> {
    return new Promise((resolve) => (this.wakeUp = resolve));
  }

  /** Waits `ms` or until woken (the pause after an error). */
  private async idle(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.wakeUp = resolve;
      timer = setTimeout(resolve, ms);
    });
    clearTimeout(timer);
  }

  /**
   * Whether the next message may be read: none waits for a slot (paused: fewer than `concurrency` held).
   * Reading is what lets the client send its next pull, so this bounds what the process has asked for.
   */
  private roomToRead(): boolean {
    return this.paused ? this.held.length < this.workflow.concurrency : this.held.length === 0;
  }

  /** Whether a message taken now starts at once and leaves room to read the next one. */
  private slotFreeAfterTaking(): boolean {
    return !this.paused && this.held.length === 0 && this.inFlight.size < this.workflow.concurrency;
  }

  /**
   * Waits until the next message may be read; false once that took longer than GATE_MS. A consume whose reader
   * waits queues a pull each time its heartbeats stop (its pulls expired), all sent at the next read: handed
   * back before that, it never asks for more than `concurrency`, and what it had received goes back at once.
   */
  private async roomWithin(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (this.consuming && !this.roomToRead()) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await this.idle(left);
    }
    return true;
  }

  private async workLoop(): Promise<void> {
    const { names } = this.rt();
    while (this.consuming) {
      while (this.consuming && !this.roomToRead()) await this.untilWoken();
      if (!this.consuming) break;
      let messages: ConsumerMessages | undefined;
      let reading: AsyncIterator<JsMsg> | undefined;
      let next: Promise<Next> | undefined;
      let failed = false;
      try {
        const consumer = await this.rt().js.consumers.get(
          names.stream,
          names.durable(this.workflow.name, 'jobs'),
        );
        const max = this.rate ? 1 : readAhead(this.workflow.concurrency);
        messages = await consumer.consume({
          // Rate-limited workflows ask for one at a time, so at most one message waits for its slot.
          max_messages: max,
          // Asks again once three quarters are received (the client's default: a quarter): fewer, larger
          // pulls, each a socket write of its own.
          threshold_messages: Math.max(1, Math.floor(max / 4)),
          expires: FETCH_EXPIRES_MS,
        });
        const iterator = messages[Symbol.asyncIterator]();
        reading = iterator;
        const readNext = (): Promise<Next> => {
          // Asking for one at a time, every read sends a pull: the acks go in its socket write.
          if (max === 1) this.flushAcks();
          return iterator.next();
        };
        // roomWithin only when there is no room now: an await per message costs a turn of the microtask queue.
        while (this.consuming && (this.roomToRead() || (await this.roomWithin(GATE_MS)))) {
          if (!this.consuming) break;
          next ??= readNext();
          const read = await this.untilReadOrStopped(next);
          if (read === undefined) break;
          next = undefined;
          if (read.done) throw new Error('the consumer stopped delivering');
          this.warnings.clear('error');
          // The client sends its next pull when the next message is read: read before this one's handler
          // starts (if a slot stays free for it), the pull leaves without waiting for the handler's synchronous
          // start (body parse, job build, the runner), which at concurrency 1 sat between every two messages.
          if (this.slotFreeAfterTaking()) next = readNext();
          this.take(read.value);
        }
      } catch (error) {
        failed = true;
        next = undefined;
        this.noteError('pull', error);
      } finally {
        if (messages && reading) await this.handBack(messages, reading, next);
      }
      if (failed && this.consuming) await this.idle(500);
    }
  }

  /**
   * `next`, or undefined once stop() is called. Not `Promise.race` with a promise that settles at stop: each
   * race leaves a reaction on it until then, about 340 bytes per message read for the life of the process.
   */
  private untilReadOrStopped(next: Promise<Next>): Promise<Next | undefined> {
    if (!this.consuming) return Promise.resolve(undefined);
    return new Promise<Next | undefined>((resolve, reject) => {
      const settle = (read: Next | undefined) => {
        this.cancelRead = undefined;
        resolve(read);
      };
      this.cancelRead = () => settle(undefined);
      next.then(settle, (error: unknown) => {
        this.cancelRead = undefined;
        reject(error);
      });
    });
  }

  /** Ends a consume: what it had already received goes back to the stream at once (not an attempt). */
  private async handBack(
    messages: ConsumerMessages,
    reading: AsyncIterator<JsMsg>,
    next?: Promise<Next>,
  ): Promise<void> {
    messages.stop();
    try {
      for (let read = await (next ?? reading.next()); !read.done; read = await reading.next())
        read.value.nak();
    } catch {
      // The consume ended with an error: nothing more to hand back.
    }
  }

  private track(run: Promise<void>): void {
    this.inFlight.add(run);
    void run.finally(() => {
      this.inFlight.delete(run);
      this.dispatch();
      this.wake();
    });
  }

  private async handle(msg: JsMsg): Promise<void> {
    try {
      await this.run(msg);
    } catch (error) {
      // Publishing the retry or the letter failed: leave the message unacknowledged, it is redelivered.
      this.noteError('settle', error);
    } finally {
      this.running.delete(msg);
    }
  }

  private armKeepAlive(): void {
    // Unref'd: it never keeps the process alive; it stops itself at its first tick with nothing running.
    this.keepAlive ??= setInterval(
      () => this.tellWorking(),
      Math.max(500, this.rt().settings.ackWaitMs / 3),
    ).unref();
  }

  /** Extends the ack wait of every running message; the timer stops once nothing runs. */
  private tellWorking(): void {
    for (const msg of this.running) msg.working();
    if (this.running.size === 0) {
      clearInterval(this.keepAlive);
      this.keepAlive = undefined;
    }
  }

  private async run(msg: JsMsg): Promise<void> {
    let payload: unknown;
    try {
      payload = msg.data.length === 0 ? {} : msg.json<unknown>();
    } catch {
      const { job } = deliveredJob(this.workflow.name, msg, msg.string());
      await this.deadLetter(msg, job, new Error('the message body is not JSON'));
      return;
    }
    const { job, meta } = deliveredJob(this.workflow.name, msg, payload);
    const maxAttempts = job.maxAttempts ?? this.workflow.attempts;
    if (msg.info.deliveryCount > maxAttempts + UNFINISHED_DELIVERIES) {
      const reason = `delivered ${msg.info.deliveryCount} times without an attempt finishing (its consumers died or stopped while running it)`;
      await this.deadLetter(msg, job, new Error(reason));
      return;
    }
    if (this.rate) await this.rate.take(this.abort.signal);
    try {
      await this.processor(job, this.abort.signal);
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      if (this.abort.signal.aborted) {
        msg.nak(); // back to the stream for another replica; deliveries are not attempts
        return;
      }
      if (job.attempt < maxAttempts) {
        const delayMs = retryDelayMs(this.workflow.backoff, job.attempt);
        await this.retry(msg, meta, job, delayMs);
        this.events.retrying(job, failure, delayMs);
      } else if (this.workflow.deadLetter) {
        await this.deadLetter(msg, job, failure);
      } else {
        msg.ack();
      }
      return;
    }
    // Not awaited (as the raw client acks): a lost ack means a redelivery after ackWaitMs, as a lost reply would.
    this.ackSoon(msg);
  }

  /**
   * Acks within ACK_DELAY_MS, together with the others of that time (and, asking for one at a time, with the next
   * pull): the client writes to the socket once per burst of commands, and acks issued one by one from handlers
   * finishing at different moments cost a write each.
   */
  private ackSoon(msg: JsMsg): void {
    this.acks.push(msg);
    if (this.acks.length > 1) return;
    // Restarted for every batch: a timer left from a batch the next pull already took would otherwise fire
    // early on this one and give its acks a socket write of their own (28 % of jobs at concurrency 1).
    if (this.ackTimer) this.ackTimer.refresh();
    else this.ackTimer = setTimeout(() => this.flushAcks(), ACK_DELAY_MS);
  }

  /** Sends the acks not sent yet (the engine calls it before closing the connection). */
  flushAcks(): void {
    const { acks } = this;
    for (let i = 0; i < acks.length; i++) acks[i].ack();
    acks.length = 0;
  }

  /** The next attempt as a delayed message (attempts used so far in a header), then the ack of this one. */
  private async retry(msg: JsMsg, meta: JobMeta, job: DeliveredJob, delayMs: number): Promise<void> {
    const { js, names } = this.rt();
    await js.publish(names.delayed(this.workflow.name), msg.data, {
      msgID: `retry-${this.workflow.name}-${msg.seq}`,
      headers: metaHeaders({
        ...meta,
        jobKey: job.jobKey,
        attemptsMade: job.attempt,
        enqueuedAt: job.enqueuedAt.getTime(),
        runAt: Date.now() + delayMs,
      }),
    });
    await msg.ackAck();
  }

  private async deadLetter(msg: JsMsg, job: DeliveredJob, error: Error): Promise<void> {
    // The id names the delivered message; the stored key is the job's own (a retry re-publishes under it).
    const letter = deadLetterOf(job, error, { jobKey: job.jobKey });
    await this.rt().deadLetters.add(letter, msg.seq);
    await msg.ackAck();
    this.events.deadLettered(job, error);
  }

  /** Logs a failure once per distinct message in a row (connection loss shows in health and the outage log). */
  private noteError(what: string, error: unknown): void {
    this.warnings.warn('error', `${what}: ${redactedMessage(error)}`);
  }
}
