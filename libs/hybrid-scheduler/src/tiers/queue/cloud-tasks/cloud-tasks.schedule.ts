import { Logger } from '@nestjs/common';
import { timerAt, type LongTimer } from '../../../common/timers.js';
import { nextDue } from '../../../schedule/schedule.calculator.js';
import type { EngineEvents, EngineWorkflow } from '../queue-engine.interface.js';
import { hashedTaskId, type CloudTasksEnqueuer } from './cloud-tasks.enqueuer.js';
import { MAX_SCHEDULE_AHEAD_MS } from './cloud-tasks.settings.js';
import { redactedMessage } from '../../../common/redact.js';
import { PAUSED_TICK } from '../missed-ticks.log.js';

// Every replica computes the same fire times (`every` is anchored to the epoch, not to boot), so their
// tasks get the same name and Cloud Tasks keeps one.
const EPOCH = new Date(0);

/** A tick's task is created this long before it is due at most: a day inside what Cloud Tasks accepts. */
const ENQUEUE_AHEAD_MS = MAX_SCHEDULE_AHEAD_MS - 24 * 3600 * 1000;

/**
 * Cloud Tasks has no cron: this keeps the *next* tick of a recurring workflow enqueued ahead (scheduleTime =
 * fire time, name = hash(workflow, fire time)). When a tick comes due locally, the one after it is enqueued.
 * A tick thus survives this replica being down at its fire time, and replicas collide on the name.
 */
export class CloudTasksSchedule {
  private readonly logger = new Logger('HybridScheduler:CloudTasks');
  private timer?: LongTimer;
  private stopped = false;
  next: Date | null = null;
  paused = false;

  constructor(
    private readonly workflow: EngineWorkflow,
    private readonly enqueuer: CloudTasksEnqueuer,
    private readonly events: EngineEvents,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    // At start a failure fails the tier's start (the probe just reached the API); later ones are reported.
    await this.enqueueAfter(new Date(), true);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.clear();
  }

  /**
   * Enqueues the first tick after `after` and arms a timer for it. A tick Cloud Tasks did not take (the API was
   * away through the enqueuer's retries) is reported missed when due, and the schedule goes on from there:
   * without the timer armed, one outage stopped the workflow's ticks for good.
   */
  private async enqueueAfter(after: Date, failOnError = false): Promise<void> {
    const due = nextDue(this.workflow.schedule, after, EPOCH);
    this.next = due;
    if (!due || this.stopped) return;
    const enqueueFrom = due.getTime() - ENQUEUE_AHEAD_MS;
    if (enqueueFrom > Date.now()) {
      // Further ahead than Cloud Tasks takes a scheduleTime (a yearly cron): enqueued once it is in range.
      this.timer = timerAt(
        enqueueFrom,
        () => this.logFailure(this.enqueueDue(due), `the tick of ${due.toISOString()}`),
        { unref: true },
      );
      return;
    }
    await this.enqueueDue(due, failOnError);
  }

  /** Enqueues the task of the tick `due` and arms the timer that enqueues the one after it. */
  private async enqueueDue(due: Date, failOnError = false): Promise<void> {
    if (this.stopped) return;
    let missedReason = this.paused ? PAUSED_TICK : undefined;
    if (!missedReason) {
      const tick = due.toISOString();
      try {
        await this.enqueuer.create({
          envelope: {
            workflow: this.workflow.name,
            payload: this.workflow.schedulePayload,
            enqueuedAt: new Date().toISOString(),
            tick,
          },
          taskId: hashedTaskId('tick', this.workflow.name, tick),
          runAtMs: due.getTime(),
        });
      } catch (error) {
        if (failOnError) throw error;
        missedReason = `Cloud Tasks did not take its task: ${redactedMessage(error)}`;
        this.logger.error(
          `Enqueueing the tick of ${tick} of "${this.workflow.name}" failed: ${redactedMessage(error)}; ` +
            'it is reported missed when due, and the next tick is enqueued then',
        );
      }
    }
    // stop() may have come while the task was being created
    if (!this.stopped) this.arm(due, missedReason);
  }

  /** `missedReason`: no task runs this tick (paused, or not taken), so it is reported missed when due. */
  private arm(due: Date, missedReason: string | undefined): void {
    this.timer = timerAt(
      due.getTime(),
      () => {
        if (missedReason) this.events.missed(this.workflow.name, due, missedReason);
        this.logFailure(this.enqueueAfter(due), `the tick after ${due.toISOString()}`);
      },
      { unref: true },
    );
  }

  private logFailure(enqueueing: Promise<void>, tick: string): void {
    enqueueing.catch((error: Error) =>
      this.logger.error(`Enqueueing ${tick} of "${this.workflow.name}" failed: ${redactedMessage(error)}`),
    );
  }
}
