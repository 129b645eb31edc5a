import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { HYBRID_SCHEDULER_OPTIONS } from '../../hybrid-scheduler.constants.js';
import { InvalidTaskOptionsError, TaskCancelledError, TierUnavailableError } from '../../errors/index.js';
import { INVALID_OPTION } from '../../errors/messages.js';
import type {
  RoutedTask,
  SchedulerTier,
  TierAvailability,
  TierHealth,
  TriggerResult,
} from '../../interfaces/index.js';
import type { ResolvedModuleOptions } from '../../config/module-options.js';
import { JobRegistry } from '../../registry/job.registry.js';
import { TaskRunner } from '../../runner/task.runner.js';
import { InternalJobTimer, type DueTick } from './internal-job.js';
import { INTERNAL_TICK_LOCK, type TickLock } from './tick-lock.interface.js';
import { InternalTickRunner } from './internal-tick.runner.js';

/**
 * In-process tier: cron (on the `cron` package that @nestjs/schedule uses), fixed intervals and one-shot
 * dates. Unlike @nestjs/schedule it never drifts, reports every missed or skipped tick, and waits for running
 * handlers on shutdown.
 */
@Injectable()
export class InternalTier implements SchedulerTier {
  readonly name = 'internal' as const;
  private readonly logger = new Logger('HybridScheduler:InternalTier');
  private readonly timers = new Map<string, InternalJobTimer>();
  /** Aborts the signal of runs still going when the shutdown timeout is over. */
  private readonly shutdownController = new AbortController();
  private started = false;
  private readonly ticks: InternalTickRunner;

  constructor(
    @Inject(HYBRID_SCHEDULER_OPTIONS) private readonly options: ResolvedModuleOptions,
    private readonly registry: JobRegistry,
    private readonly runner: TaskRunner,
    @Optional() @Inject(INTERNAL_TICK_LOCK) private readonly tickLock?: TickLock,
  ) {
    this.ticks = new InternalTickRunner(registry, runner, this.shutdownController.signal, tickLock);
  }

  async probe(): Promise<TierAvailability> {
    return this.options.internal.enabled
      ? { available: true }
      : { available: false, reason: 'internal.enabled is false' };
  }

  register(task: RoutedTask): void {
    if (task.schedule.kind === 'rrule') {
      throw new TierUnavailableError(`Task "${task.name}": the internal tier cannot run rrule schedules.`);
    }
    if (task.internal?.singleton && !this.tickLock) {
      throw new InvalidTaskOptionsError(
        INVALID_OPTION(
          'InternalTask',
          task.location,
          'singleton',
          true,
          'a singleton task needs Redis to elect one replica per tick: set queue.bullmq.connection',
        ),
      );
    }
    const info = this.registry.add(this, task);
    const timer = new InternalJobTimer(task, info, (ticks) => void this.onDue(timer, ticks));
    this.timers.set(info.id, timer);
    if (this.started) this.startTimer(timer);
  }

  async start(): Promise<void> {
    this.started = true;
    for (const timer of this.timers.values()) this.startTimer(timer);
    this.logger.log(`Started ${this.timers.size} internal job(s)`);
  }

  async stopTriggers(): Promise<void> {
    this.started = false;
    for (const timer of this.timers.values()) timer.stop();
    this.ticks.cutWaits();
  }

  async shutdown(): Promise<void> {
    const timeoutMs = this.options.internal.shutdownTimeoutMs;
    const running = this.runner.runningCount('internal');
    if (running > 0) this.logger.log(`Waiting up to ${timeoutMs}ms for ${running} running internal job(s)`);
    const drained = await this.runner.drain('internal', timeoutMs);
    if (!drained) {
      const names = this.registry
        .all()
        .filter((r) => r.tier === this && r.info.running > 0)
        .map((r) => r.info.id);
      this.logger.warn(
        `Shutdown timeout (${timeoutMs}ms) reached; aborting still running job(s): ${names.join(', ') || 'timed-out runs'}`,
      );
      this.shutdownController.abort(
        new TaskCancelledError(
          `application shutdown: still running after shutdownTimeoutMs (${timeoutMs}ms)`,
        ),
      );
    }
    await this.tickLock?.close();
  }

  async health(): Promise<TierHealth> {
    const jobs = [...this.timers.values()].map((t) => t.info);
    return {
      status: this.options.internal.enabled ? 'up' : 'disabled',
      details: {
        jobs: jobs.length,
        running: jobs.reduce((sum, j) => sum + j.running, 0),
        failing: jobs.filter((j) => j.lastStatus === 'failed').map((j) => j.id),
      },
    };
  }

  async trigger(id: string): Promise<TriggerResult> {
    const timer = this.timerOf(id);
    const outcome = await this.ticks.run(timer, new Date(), true);
    return { jobId: id, ...outcome };
  }

  async pause(id: string): Promise<void> {
    this.timerOf(id).info.paused = true;
  }

  async resume(id: string): Promise<void> {
    const timer = this.timerOf(id);
    timer.info.paused = false;
    if (this.pendingCatchUp.delete(id)) void this.ticks.run(timer, new Date(), false);
  }

  async remove(id: string): Promise<void> {
    this.timerOf(id).stop();
    this.timers.delete(id);
    this.registry.remove(id);
  }

  private readonly pendingCatchUp = new Set<string>();

  private startTimer(timer: InternalJobTimer): void {
    timer.start();
    if (timer.options.runOnStart) void this.ticks.run(timer, new Date(), false);
  }

  private timerOf(id: string): InternalJobTimer {
    const timer = this.timers.get(id);
    if (!timer) this.registry.get(id); // throws JobNotFoundError listing the known ids
    return timer as InternalJobTimer;
  }

  private async onDue(timer: InternalJobTimer, ticks: DueTick[]): Promise<void> {
    const { info, task } = timer;
    for (const tick of ticks) {
      const missedReason = info.paused ? 'job is paused' : tick.missedReason;
      if (missedReason) {
        if (info.paused && timer.options.catchUp === 'once') this.pendingCatchUp.add(info.id);
        if (!info.paused) this.logger.warn(`Job "${info.id}" missed a tick: ${missedReason}`);
        this.registry.emit({
          type: 'missed',
          jobId: info.id,
          tier: 'internal',
          name: task.name,
          scheduledAt: tick.scheduledAt,
          reason: missedReason,
        });
      } else {
        await this.ticks.run(timer, tick.scheduledAt, false);
      }
    }
  }
}
