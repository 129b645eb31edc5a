import { Logger } from '@nestjs/common';
import type { Consumer, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { redactedMessage } from '../../../common/redact.js';
import { retryDelayMs } from '../backoff.delay.js';
import type { DeliveredJob, EngineEvents, EngineWorkflow, JobProcessor } from '../queue-engine.interface.js';
import { RateWindow } from '../rate-window.js';
import type { NatsDeadLetters } from './nats-dead-letters.js';
import { deadLetterOf } from '../dead-letter-store.interface.js';
import { deliveredJob, metaHeaders, readMeta, type JobMeta } from './nats-message.js';
import type { NatsNames } from './nats-names.js';
import { UNFINISHED_DELIVERIES, type NatsSettings } from './nats-settings.js';

/** What every workflow of one engine shares: the connection's APIs, names, settings and dead letters. */
export interface NatsRuntime {
  js: JetStreamClient;
  jsm: JetStreamManager;
  names: NatsNames;
  settings: NatsSettings;
  deadLetters: NatsDeadLetters;
}

/** Pull requests wait this long for messages before the next one (the client's minimum). */
const FETCH_EXPIRES_MS = 1000;

/**
 * One workflow on JetStream in this process: a work loop that pulls from `jobs_<name>` so that running jobs plus
 * messages asked for never exceed `concurrency` (nothing waits in a client buffer while its ack timer runs), and
 * asks again for the freed slots while a pull is still open (a quarter of the slots at least, so that a busy
 * consumer always has a pull on its way instead of one round trip per batch); and a delay loop that holds
 * not-yet-due messages of `delayed_<name>` by NAK with delay and then moves them to the work subject.
 * Acks only after the handler succeeded; a failure is re-published as a delayed retry (or a dead letter) and
 * then acked; a run aborted by shutdown is NAKed back at once, without using an attempt.
 */
export class NatsWorkflow {
  readonly inFlight = new Set<Promise<void>>();
  /** Aborts running handlers (shutdown or removal past the drain timeout). */
  readonly abort = new AbortController();
  paused = false;
  private consuming = false;
  private loops: Promise<void>[] = [];
  /** Resolves the work loop's wait (a slot freed, a pull ended, the workflow resumed, consumption stopped). */
  private wakeUp?: () => void;
  /** Messages asked for by open pulls and not received yet. */
  private requested = 0;
  /** A pull failed: the loop gets the consumer again after a pause. */
  private pullError?: unknown;
  /** Messages being handled or held, told "working" every third of the ack wait by one timer (armed while any). */
  private readonly running = new Set<JsMsg>();
  /** Received while paused: kept (not NAKed, which would count as a delivery) until resume or stop. */
  private readonly held: JsMsg[] = [];
  /** Pulls still open (stop() waits for them, so nothing arrives after it returned). */
  private readonly pulls = new Set<Promise<void>>();
  private keepAlive?: NodeJS.Timeout;
  /** Successful runs whose ack goes out at the end of this turn (ackSoon). */
  private readonly acks: JsMsg[] = [];
  private readonly rate?: RateWindow;
  private readonly logger: Logger;
  private lastError = '';

  constructor(
    readonly workflow: EngineWorkflow,
    private readonly processor: JobProcessor,
    readonly events: EngineEvents,
    private readonly rt: () => NatsRuntime,
  ) {
    this.logger = new Logger(`HybridScheduler:NATS:${workflow.name}`);
    if (workflow.rateLimit) this.rate = new RateWindow(workflow.rateLimit.max, workflow.rateLimit.durationMs);
  }

  start(): void {
    if (this.consuming) return;
    this.consuming = true;
    this.loops = [this.workLoop(), this.delayLoop()];
  }

  /** Stops pulling; returns once both loops ended (within about one pull). Running jobs keep running. */
  async stop(): Promise<void> {
    this.consuming = false;
    this.wake();
    await Promise.allSettled([...this.loops, ...this.pulls]);
    this.release();
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    if (paused) return;
    this.release();
    this.wake();
  }

  /** Keeps a message that arrived while paused; its slot stays taken until resume. */
  private hold(msg: JsMsg): void {
    this.held.push(msg);
    this.running.add(msg);
    this.armKeepAlive();
  }

  /** Runs the held messages (resumed), or hands them back at once (stopping; deliveries are not attempts). */
  private release(): void {
    for (const msg of this.held.splice(0)) {
      this.running.delete(msg);
      if (this.consuming) this.track(this.handle(msg));
      else msg.nak();
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

  /** How many messages to ask for now: free slots not covered by open pulls, once they are worth a pull. */
  private wanted(): number {
    const { concurrency } = this.workflow;
    const free = concurrency - this.inFlight.size - this.held.length - this.requested;
    // Rate-limited workflows pull one at a time, so at most one message waits for its slot.
    if (this.rate) return free > 0 && this.requested === 0 ? 1 : 0;
    const worthIt = this.requested === 0 ? 1 : Math.ceil(concurrency / 4);
    return free >= worthIt ? free : 0;
  }

  private async workLoop(): Promise<void> {
    const { names } = this.rt();
    let consumer: Consumer | undefined;
    while (this.consuming) {
      try {
        if (this.pullError !== undefined) {
          const error = this.pullError;
          this.pullError = undefined;
          throw error;
        }
        const want = this.paused ? 0 : this.wanted();
        if (want === 0) {
          await this.untilWoken();
          continue;
        }
        consumer ??= await this.rt().js.consumers.get(
          names.stream,
          names.durable(this.workflow.name, 'jobs'),
        );
        this.flushAcks(); // in the same socket write as the pull
        const batch = await consumer.fetch({ max_messages: want, expires: FETCH_EXPIRES_MS });
        this.requested += want;
        const pull = this.receive(batch, want);
        this.pulls.add(pull);
        void pull.finally(() => this.pulls.delete(pull));
      } catch (error) {
        consumer = undefined;
        this.noteError('pull', error);
        await this.idle(500);
      }
    }
  }

  /** Starts each message of one pull as it arrives; when the pull ends, its unfilled part is free again. */
  private async receive(batch: AsyncIterable<JsMsg>, asked: number): Promise<void> {
    let left = asked;
    try {
      for await (const msg of batch) {
        left--;
        this.requested--;
        if (!this.consuming) msg.nak();
        else if (this.paused) this.hold(msg);
        else this.track(this.handle(msg));
      }
      this.lastError = '';
    } catch (error) {
      this.pullError = error;
    } finally {
      this.requested -= left;
      this.wake();
    }
  }

  private async delayLoop(): Promise<void> {
    const { names } = this.rt();
    let consumer: Consumer | undefined;
    while (this.consuming) {
      try {
        consumer ??= await this.rt().js.consumers.get(
          names.stream,
          names.durable(this.workflow.name, 'delayed'),
        );
        const batch = await consumer.fetch({ max_messages: 256, expires: FETCH_EXPIRES_MS });
        for await (const msg of batch) await this.promote(msg);
      } catch (error) {
        consumer = undefined;
        this.noteError('delayed pull', error);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  /** A delayed message: NAK it until it is due (the server redelivers it then), then move it to the work subject. */
  private async promote(msg: JsMsg): Promise<void> {
    const meta = readMeta(msg.headers);
    const due = meta.runAt ?? 0;
    const wait = due - Date.now();
    if (wait > 2 || !this.consuming) {
      msg.nak(Math.max(0, wait));
      return;
    }
    const { js, names } = this.rt();
    await js.publish(names.jobs(this.workflow.name), msg.data, {
      // The same id if this message is delivered again before its ack arrived: the stream keeps one copy.
      msgID: `due-${this.workflow.name}-${msg.seq}`,
      headers: metaHeaders({
        ...meta,
        runAt: undefined,
        jobKey: meta.jobKey ?? String(msg.seq),
        // A first delayed run is due at runAt; a retry keeps the due time of the job it retries.
        scheduledAt: meta.attemptsMade ? meta.scheduledAt : (meta.scheduledAt ?? due),
      }),
    });
    msg.ack();
  }

  private track(run: Promise<void>): void {
    this.inFlight.add(run);
    void run.finally(() => {
      this.inFlight.delete(run);
      this.wake();
    });
  }

  private async handle(msg: JsMsg): Promise<void> {
    this.running.add(msg);
    this.armKeepAlive();
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
      const { job, meta } = deliveredJob(this.workflow.name, msg, msg.string());
      await this.deadLetter(msg, job, meta, new Error('the message body is not JSON'));
      return;
    }
    const { job, meta } = deliveredJob(this.workflow.name, msg, payload);
    const maxAttempts = job.maxAttempts ?? this.workflow.attempts;
    if (msg.info.deliveryCount > maxAttempts + UNFINISHED_DELIVERIES) {
      const reason = `delivered ${msg.info.deliveryCount} times without an attempt finishing (its consumers died or stopped while running it)`;
      await this.deadLetter(msg, job, meta, new Error(reason));
      return;
    }
    await this.rate?.take(this.abort.signal);
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
        await this.deadLetter(msg, job, meta, failure);
      } else {
        msg.ack();
      }
      return;
    }
    // Not awaited (as the raw client acks): a lost ack means a redelivery after ackWaitMs, as a lost reply would.
    this.ackSoon(msg);
  }

  /**
   * Acks at the end of this event-loop turn, together with the others of the turn: the client writes to the
   * socket once per burst of commands, and acks issued one by one from handlers finishing at different moments
   * cost a write each.
   */
  private ackSoon(msg: JsMsg): void {
    this.acks.push(msg);
    if (this.acks.length === 1) setImmediate(() => this.flushAcks());
  }

  /** Sends the acks not sent yet (the engine calls it before closing the connection). */
  flushAcks(): void {
    for (const msg of this.acks.splice(0)) msg.ack();
  }

  /** The next attempt as a delayed message (attempts used so far in a header), then the ack of this one. */
  private async retry(msg: JsMsg, meta: JobMeta, job: DeliveredJob, delayMs: number): Promise<void> {
    const { js, names } = this.rt();
    await js.publish(names.delayed(this.workflow.name), msg.data, {
      msgID: `retry-${this.workflow.name}-${msg.seq}`,
      headers: metaHeaders({
        ...meta,
        attemptsMade: job.attempt,
        enqueuedAt: job.enqueuedAt.getTime(),
        runAt: Date.now() + delayMs,
      }),
    });
    await msg.ackAck();
  }

  private async deadLetter(msg: JsMsg, job: DeliveredJob, meta: JobMeta, error: Error): Promise<void> {
    // The id names the delivered message; the stored key is the job's own (a retry re-publishes under it).
    const letter = deadLetterOf(job, error, { jobKey: meta.jobKey ?? job.jobKey });
    await this.rt().deadLetters.add(letter, msg.seq);
    await msg.ackAck();
    this.events.deadLettered(job, error);
  }

  /** Logs a failure once per distinct message in a row (connection loss shows in health and the outage log). */
  private noteError(what: string, error: unknown): void {
    const message = redactedMessage(error);
    if (message !== this.lastError) this.logger.warn(`${what}: ${message}`);
    this.lastError = message;
  }
}
