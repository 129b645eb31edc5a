import { Logger } from '@nestjs/common';
import type { JobInfo, QueueProviderName, RoutedTask, WorkflowContext } from '../../interfaces/index.js';
import type { JobRegistry } from '../../registry/job.registry.js';
import { queueJobId } from '../../registry/job-id.js';
import type { TaskRunner } from '../../runner/task.runner.js';
import { payloadForHandler } from './payload.validator.js';
import type { JobProcessor, EngineEvents, EngineWorkflow } from './queue-engine.interface.js';
import { MissedTicksLog, PAUSED_TICK } from './missed-ticks.log.js';

/**
 * Glue between an engine and the user's method: every delivery runs through the TaskRunner (timing, timeout,
 * events, drain), with a failure reported as `failed` only on the last attempt; retries and dead letters
 * become `retrying` / `dead-lettered` events.
 */
export function workflowGlue(
  task: RoutedTask,
  workflow: EngineWorkflow,
  info: JobInfo,
  provider: QueueProviderName,
  runner: TaskRunner,
  registry: JobRegistry,
): { processor: JobProcessor; events: EngineEvents } {
  const logger = new Logger('HybridScheduler:QueueTier');
  const base = { jobId: info.id, tier: 'queue' as const, name: task.name };
  const missedTicks = new MissedTicksLog(workflow.name, logger);

  const processor: JobProcessor = async (job, signal) => {
    const maxAttempts = job.maxAttempts ?? workflow.attempts;
    const outcome = await runner.run<WorkflowContext>({
      jobId: base.jobId,
      tier: base.tier,
      name: base.name,
      runId: queueJobId(workflow.name, job.jobKey),
      attempt: job.attempt,
      scheduledAt: job.scheduledAt ?? job.enqueuedAt,
      trace: { headers: job.headers, engine: provider, messageId: job.jobKey },
      timeoutMs: workflow.timeoutMs,
      signal,
      reportFailure: job.attempt >= maxAttempts,
      // Added in place (no spread): a spread would read the lazy `signal` and copy the context per job.
      extendContext: (context) =>
        Object.assign(context, {
          workflow: workflow.name,
          jobKey: job.jobKey,
          maxAttempts,
          enqueuedAt: job.enqueuedAt,
          provider,
        }),
      invoke: (context) => task.policy.invoke(context, payloadForHandler(job.payload, task.policy.payload)),
    });
    if (outcome.status !== 'succeeded') throw outcome.error ?? new Error('failed');
  };

  const events: EngineEvents = {
    retrying: (job, error, delayMs) =>
      registry.emit({
        ...base,
        type: 'retrying',
        runId: queueJobId(workflow.name, job.jobKey),
        attempt: job.attempt,
        error,
        reason: `attempt ${job.attempt} failed (${error.message}); retrying in ${delayMs}ms`,
      }),
    deadLettered: (job, error) => {
      logger.error(
        `Job "${queueJobId(workflow.name, job.jobKey)}" failed its last attempt (${job.attempt}) and was dead-lettered: ${error.message}`,
      );
      registry.emit({
        ...base,
        type: 'dead-lettered',
        runId: queueJobId(workflow.name, job.jobKey),
        attempt: job.attempt,
        error,
      });
    },
    missed: (_name, scheduledAt, reason) => {
      // One WARN per run of missed ticks, none for a pause (asked for); one event per tick.
      if (reason !== PAUSED_TICK) missedTicks.note(scheduledAt, reason);
      registry.emit({ ...base, type: 'missed', scheduledAt, reason });
    },
    missedUnreported: (_name, count, reason) => missedTicks.noteUnreported(count, reason),
  };
  return { processor, events };
}
