import { Logger } from '@nestjs/common';
import { settleWithin } from '../../../common/settle-within.js';
import type { ResolvedNatsOptions } from '../../../config/module-options.js';
import { InvalidTaskOptionsError, TaskCancelledError, WorkflowNotFoundError } from '../../../errors/index.js';
import type { DeadLetter, EnqueueOptions, TierAvailability, TierHealth } from '../../../interfaces/index.js';
import type {
  EngineEvents,
  EngineWorkflow,
  EnqueuedJob,
  JobHeaders,
  JobProcessor,
  QueueEngine,
} from '../queue-engine.interface.js';
import { natsAddress, probeNats } from './nats-connection.js';
import { NatsLink } from './nats-link.js';
import { metaHeaders } from './nats-message.js';
import { NatsNames, streamProblem, subjectProblem } from './nats-names.js';
import { NatsPauses } from './nats-pauses.js';
import { natsSettings, type NatsSettings } from './nats-settings.js';
import { NatsTicker, nextTick } from './nats-ticker.js';
import { ensureConsumers, ensureStreams } from './nats-topology.js';
import { NatsWorkflow } from './nats-workflow.js';
import type { EngineWatch } from '../../../common/engine-guard.js';

interface Entry {
  w: NatsWorkflow;
  ticker?: NatsTicker;
}

/**
 * Queues on NATS JetStream (server ≥ 2.9): one work stream per prefix with a subject per workflow
 * (`<stream>.jobs.<workflow>`, body = the JSON payload, so plain `js.publish` producers can enqueue), durable pull
 * consumers, a dead-letter stream and a state stream. One connection per process; it reconnects forever.
 */
export class NatsQueueEngine implements QueueEngine {
  readonly name = 'nats' as const;

  get outageWatch(): EngineWatch {
    return { engine: 'nats', address: this.link.address, outage: this.link.outage };
  }
  private readonly logger = new Logger('HybridScheduler:NATS');
  private readonly settings: NatsSettings;
  private readonly names: NatsNames;
  private readonly link: NatsLink;
  private readonly pauses: NatsPauses;
  private readonly entries = new Map<string, Entry>();
  private consuming = false;

  constructor(
    options: ResolvedNatsOptions,
    /** How long removeWorkflow() lets a running job finish (the queue tier's shutdownTimeoutMs). */
    private readonly drainMs = 30_000,
  ) {
    this.settings = natsSettings(options);
    this.names = new NatsNames(this.settings.stream);
    this.link = new NatsLink(this.settings, this.names, natsAddress(options.servers));
    this.pauses = new NatsPauses(this.names, (name) => this.entries.get(name)?.w);
  }

  async probe(): Promise<TierAvailability> {
    const badStream = streamProblem(this.settings.stream);
    if (badStream)
      return {
        available: false,
        reason: `nats: queue.nats.stream "${this.settings.stream}" is invalid: ${badStream}`,
      };
    const problem = await probeNats(this.settings.options);
    return problem ? { available: false, reason: `nats: ${problem}` } : { available: true };
  }

  addWorkflow(workflow: EngineWorkflow, processor: JobProcessor, events: EngineEvents): void {
    const problem = subjectProblem(workflow.name);
    if (problem)
      throw new InvalidTaskOptionsError(
        `@QueuedWorkflow "${workflow.name}" cannot run on the nats provider: ${problem}; rename it (option "name")`,
      );
    const w = new NatsWorkflow(workflow, processor, events, () => this.link.rt());
    const recurring = workflow.schedule.kind === 'every' || workflow.schedule.kind === 'cron';
    const ticker = recurring
      ? new NatsTicker(
          workflow,
          events,
          () => this.link.rt(),
          () => w.paused,
        )
      : undefined;
    this.entries.set(workflow.name, { w, ticker });
  }

  async start(consume: boolean): Promise<void> {
    const runtime = await this.link.connect();
    await ensureStreams(runtime.jsm, this.names, this.settings);
    for (const name of this.entries.keys())
      await ensureConsumers(runtime.jsm, this.names, name, this.settings);
    await this.pauses.watch(runtime, this.link.connection, this.entries.keys());
    if (!consume) return;
    for (const { w, ticker } of this.entries.values()) {
      w.start();
      await ticker?.start();
    }
    this.consuming = true;
    this.logger.log(
      `Consuming ${this.entries.size} workflow(s) from NATS at ${this.link.address} (stream "${this.names.stream}")`,
    );
  }

  async stopConsuming(): Promise<void> {
    for (const { ticker } of this.entries.values()) ticker?.stop();
    await Promise.all([...this.entries.values()].map(({ w }) => w.stop()));
    this.consuming = false;
  }

  async close(drainMs: number): Promise<void> {
    await this.stopConsuming();
    const running = [...this.entries.values()].flatMap(({ w }) => [...w.inFlight]);
    if (!(await settleWithin(running, drainMs))) {
      this.logger.warn(
        `Shutdown timeout (${drainMs}ms) reached; aborting running jobs and handing them back to the stream (no attempt is used)`,
      );
      const reason = new TaskCancelledError('application shutdown: the job goes back to the stream');
      for (const { w } of this.entries.values()) w.abort.abort(reason);
      await settleWithin(running, 1000);
    }
    this.pauses.stop();
    for (const { w } of this.entries.values()) w.flushAcks();
    await this.link.close();
  }

  async removeWorkflow(workflow: string): Promise<void> {
    const { w, ticker } = this.get(workflow);
    this.entries.delete(workflow);
    ticker?.stop();
    await w.stop();
    // A running job gets the shutdown timeout to finish; then it is handed back like at shutdown.
    if (!(await settleWithin([...w.inFlight], this.drainMs))) {
      w.abort.abort(
        new TaskCancelledError(`workflow "${workflow}" was removed: the job goes back to the stream`),
      );
      await settleWithin([...w.inFlight], 1000);
    }
  }

  async enqueue(
    workflow: string,
    payload: unknown,
    options: EnqueueOptions,
    headers?: JobHeaders,
  ): Promise<EnqueuedJob> {
    this.get(workflow);
    const { js } = this.link.rt();
    const now = Date.now();
    const delayMs = options.runAt ? options.runAt.getTime() - now : (options.delayMs ?? 0);
    const delayed = delayMs > 0;
    // `priority` is ignored: JetStream delivers a subject in order (docs/queue.md, NATS).
    // A job due now needs no header of ours: its enqueue time is the stream's timestamp of the message (so a
    // plain job is a plain message, like a raw producer's); a delayed one is re-published when due, so it
    // carries both times.
    const meta = delayed ? { enqueuedAt: now, runAt: now + delayMs, headers } : { headers };
    const ack = await js.publish(
      delayed ? this.names.delayed(workflow) : this.names.jobs(workflow),
      JSON.stringify(payload),
      {
        ...(options.idempotencyKey ? { msgID: `key-${workflow}-${options.idempotencyKey}` } : {}),
        ...(delayed || headers ? { headers: metaHeaders(meta) } : {}),
      },
    );
    return { jobKey: String(ack.seq), created: !ack.duplicate };
  }

  async deadLetters(workflow: string): Promise<DeadLetter[]> {
    this.get(workflow);
    const letters = await this.link.rt().deadLetters.list(workflow);
    return letters.map(({ letter: { jobKey: _jobKey, ...letter } }) => letter);
  }

  async retryDeadLetter(workflow: string, jobKey: string): Promise<EnqueuedJob> {
    this.get(workflow);
    await this.link.rt().deadLetters.retry(workflow, jobKey);
    return { jobKey, created: true };
  }

  async purgeDeadLetters(workflow: string): Promise<number> {
    this.get(workflow);
    return this.link.rt().deadLetters.purge(workflow);
  }

  /** waiting: not yet delivered; active: delivered and not acknowledged (running, or its consumer died). */
  async counts(workflow: string): Promise<Record<string, number>> {
    this.get(workflow);
    const { jsm, deadLetters } = this.link.rt();
    const delayedSubject = this.names.delayed(workflow);
    const [jobs, delayed, dead] = await Promise.all([
      jsm.consumers.info(this.names.stream, this.names.durable(workflow, 'jobs')),
      jsm.streams.info(this.names.stream, { subjects_filter: delayedSubject }),
      deadLetters.count(workflow),
    ]);
    return {
      waiting: jobs.num_pending,
      active: jobs.num_ack_pending,
      delayed: delayed.state.subjects?.[delayedSubject] ?? 0,
      failed: dead,
      dead,
    };
  }

  async nextRunAt(workflow: string): Promise<Date | null> {
    const { w, ticker } = this.get(workflow);
    return ticker?.nextRunAt() ?? nextTick(w.workflow);
  }

  /** Pauses the workflow on every replica: a flag in the state stream, seen live through its subject. */
  async pause(workflow: string): Promise<void> {
    await this.pauses.set(this.link.rt(), this.get(workflow).w, true);
  }

  async resume(workflow: string): Promise<void> {
    await this.pauses.set(this.link.rt(), this.get(workflow).w, false);
  }

  async health(): Promise<TierHealth> {
    const { state, address, outage } = this.link;
    const ok = state === 'connected';
    return {
      status: ok ? 'up' : 'degraded',
      details: {
        provider: 'nats',
        address,
        stream: this.names.stream,
        connection: state,
        consuming: this.consuming,
        workflows: this.entries.size,
        ...(ok ? {} : { reason: `NATS at ${address} is ${state}; reconnecting` }),
        ...(outage.downSince ? { downSince: outage.downSince.toISOString() } : {}),
      },
    };
  }

  private get(workflow: string): Entry {
    const entry = this.entries.get(workflow);
    if (!entry) throw new WorkflowNotFoundError(workflow, [...this.entries.keys()]);
    return entry;
  }
}
