import { Injectable, Logger } from '@nestjs/common';
import { TierUnavailableError } from '../errors/index.js';
import {
  CLASSIFIER_CONTRADICTION,
  QUEUE_IN_PROCESS,
  TIER_FALLBACK,
  TIER_UNAVAILABLE_FAIL,
} from '../errors/messages.js';
import type { RoutedTask, TaskDefinition, TierAvailability, TierName } from '../interfaces/index.js';
import { inferFrequency } from '../schedule/schedule.calculator.js';
import { classifyTask, FALLBACK_CHAIN } from './classify-task.js';
import { runPolicy } from './run-policy.js';

export type { RoutedTask };

/**
 * The one place that decides where a task runs and how: the declared tier when it is available, else
 * (`degrade`) queue workflows stay on the queue tier's in-process memory engine and Prefect deployments go
 * down the fallback chain; `fail` makes it a boot error. Every task leaves with a `RunPolicy` (timeout,
 * attempts, backoff, input, context shape), so no tier reads another tier's options. Warns when a
 * declaration contradicts the classifier. Pure apart from logging, so the table is testable without Nest.
 */
@Injectable()
export class TaskRouter {
  private readonly logger = new Logger('HybridScheduler:Router');

  route(
    task: TaskDefinition,
    availability: Partial<Record<TierName, TierAvailability>>,
    fallback: 'degrade' | 'fail',
  ): RoutedTask {
    const characteristics = { frequency: inferFrequency(task.schedule), ...task.characteristics };
    const suggestion = classifyTask(characteristics);
    if (Object.keys(task.characteristics).length > 0 && suggestion.tier !== task.declaredTier) {
      this.logger.warn(
        CLASSIFIER_CONTRADICTION(task.name, task.declaredTier, suggestion.tier, suggestion.reasons),
      );
    }
    const policy = runPolicy(task);
    const declared = availability[task.declaredTier];
    if (declared?.available) return { ...task, tier: task.declaredTier, policy };

    const reason = declared?.reason ?? `the ${task.declaredTier} tier is not configured`;
    const refuse = () =>
      new TierUnavailableError(TIER_UNAVAILABLE_FAIL(task.name, task.declaredTier, reason));
    if (fallback === 'fail') throw refuse();
    if (task.declaredTier === 'queue') {
      // Same validation, retries, dead letters and idempotency, on the engine that needs nothing external.
      this.logger.warn(QUEUE_IN_PROCESS(task.name, reason));
      return { ...task, tier: 'queue', policy, fallbackReason: reason };
    }
    const next = FALLBACK_CHAIN[task.declaredTier].find((tier) => availability[tier]?.available);
    if (!next) throw refuse();
    const warning = TIER_FALLBACK(task.name, task.declaredTier, next, reason);
    if (task.schedule.kind !== 'rrule') {
      this.logger.warn(warning);
      return { ...task, tier: next, policy, fallbackReason: reason };
    }
    // Only Prefect understands RRULEs: the fallback tier keeps the task on demand (trigger it by hand)
    // until the Prefect tier is back, rather than refusing to boot.
    this.logger.warn(
      `${warning} Its rrule schedule cannot run there: it is registered on demand only until the Prefect tier is available.`,
    );
    return { ...task, schedule: { kind: 'none' }, tier: next, policy, fallbackReason: reason };
  }
}
