import { Injectable, Logger } from '@nestjs/common';
import { TierUnavailableError } from '../errors/index.js';
import { CLASSIFIER_CONTRADICTION, TIER_FALLBACK, TIER_UNAVAILABLE_FAIL } from '../errors/messages.js';
import type { TaskDefinition, TierAvailability, TierName } from '../interfaces/index.js';
import { inferFrequency } from '../schedule/schedule.calculator.js';
import { classifyTask, FALLBACK_CHAIN } from './classify-task.js';

export interface RoutedTask {
  task: TaskDefinition;
  tier: TierName;
  /** Set when the task runs on another tier than it was declared for. */
  fallbackReason?: string;
  /** What to register on the fallback tier when it differs from `task` (an rrule task is kept on demand). */
  fallbackTask?: TaskDefinition;
}

/**
 * Decides the tier of each task: the declared tier when it is available, else the next available tier of
 * the fallback chain (`degrade`) or a boot error (`fail`). Warns when a declaration contradicts the
 * classifier. Pure apart from logging, so the decision table is testable without Nest.
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
    const declared = availability[task.declaredTier];
    if (declared?.available) return { task, tier: task.declaredTier };

    const reason = declared?.reason ?? `the ${task.declaredTier} tier is not configured`;
    if (fallback === 'fail')
      throw new TierUnavailableError(TIER_UNAVAILABLE_FAIL(task.name, task.declaredTier, reason));
    const next = FALLBACK_CHAIN[task.declaredTier].find((tier) => availability[tier]?.available);
    if (!next) throw new TierUnavailableError(TIER_UNAVAILABLE_FAIL(task.name, task.declaredTier, reason));
    if (task.schedule.kind === 'rrule') {
      // Only Prefect understands RRULEs: the fallback tier keeps the task on demand (trigger it by hand)
      // until the Prefect tier is back, rather than refusing to boot.
      this.logger.warn(
        `${TIER_FALLBACK(task.name, task.declaredTier, next, reason)} Its rrule schedule cannot run there: ` +
          'it is registered on demand only until the Prefect tier is available.',
      );
      return {
        task,
        tier: next,
        fallbackReason: reason,
        fallbackTask: { ...task, schedule: { kind: 'none' } },
      };
    }
    this.logger.warn(TIER_FALLBACK(task.name, task.declaredTier, next, reason));
    return { task, tier: next, fallbackReason: reason };
  }
}
