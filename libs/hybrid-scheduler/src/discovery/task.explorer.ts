import { Inject, Injectable, Logger } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import {
  INTERNAL_TASK_METADATA,
  PREFECT_DEPLOYMENT_METADATA,
  QUEUED_WORKFLOW_METADATA,
  HYBRID_SCHEDULER_OPTIONS,
} from '../hybrid-scheduler.constants.js';
import { DuplicateTaskError, InvalidTaskOptionsError } from '../errors/index.js';
import { DUPLICATE_TASK, REQUEST_SCOPED, TWO_TIER_DECORATORS } from '../errors/messages.js';
import type { ResolvedModuleOptions } from '../config/module-options.js';
import type { TaskDefinition, TaskHandler, TaskLocation } from '../interfaces/index.js';
import { internalTaskDefinition } from './internal-task.definition.js';
import { prefectDeploymentDefinition } from './prefect-deployment.definition.js';
import { queuedWorkflowDefinition } from './queued-workflow.definition.js';

const DECORATORS = [
  {
    key: INTERNAL_TASK_METADATA,
    tier: 'internal',
    name: 'InternalTask',
    kind: 'internal task',
    build: internalTaskDefinition,
  },
  {
    key: QUEUED_WORKFLOW_METADATA,
    tier: 'queue',
    name: 'QueuedWorkflow',
    kind: 'queued workflow',
    build: queuedWorkflowDefinition,
  },
  {
    key: PREFECT_DEPLOYMENT_METADATA,
    tier: 'prefect',
    name: 'PrefectDeployment',
    kind: 'Prefect deployment',
    build: prefectDeploymentDefinition,
  },
] as const;

/**
 * Finds every decorated method on providers and controllers and turns it into a validated TaskDefinition.
 * Request-scoped classes with decorated methods are a boot error: there is no instance to call.
 */
@Injectable()
export class TaskExplorer {
  private readonly logger = new Logger('HybridScheduler:Explorer');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    @Inject(HYBRID_SCHEDULER_OPTIONS) private readonly options: ResolvedModuleOptions,
  ) {}

  explore(): TaskDefinition[] {
    const wrappers: InstanceWrapper[] = [
      ...this.discovery.getProviders(),
      ...this.discovery.getControllers(),
    ];
    const seen = new Set<object>();
    const tasks: TaskDefinition[] = [];
    for (const wrapper of wrappers) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      const prototype = instance ? Object.getPrototypeOf(instance) : wrapper.metatype?.prototype;
      if (!prototype || seen.has(prototype)) continue;
      seen.add(prototype);
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const present = DECORATORS.flatMap((decorator) => {
          const options = this.reflector.get(decorator.key, prototype[methodName]);
          return options === undefined ? [] : [{ decorator, options }];
        });
        if (present.length === 0) continue;
        const location: TaskLocation = { className: prototype.constructor?.name ?? 'anonymous', methodName };
        // One method is one task: two tier decorators would call it with two different argument shapes.
        if (present.length > 1)
          throw new InvalidTaskOptionsError(
            TWO_TIER_DECORATORS(
              present.map((p) => p.decorator.name),
              location,
            ),
          );
        const [{ decorator, options }] = present;
        if (!wrapper.isDependencyTreeStatic() || !instance) {
          throw new InvalidTaskOptionsError(REQUEST_SCOPED(decorator.name, location));
        }
        const handler = (instance[methodName] as TaskHandler).bind(instance);
        tasks.push(decorator.build(options, location, handler, this.options.internal.timeZone));
      }
    }
    this.assertUniqueNames(tasks);
    this.logger.log(`Discovered ${tasks.length} task(s)`);
    return tasks;
  }

  private assertUniqueNames(tasks: TaskDefinition[]): void {
    const byName = new Map<string, TaskDefinition>();
    for (const task of tasks) {
      const key = `${task.declaredTier}:${task.name}`;
      const first = byName.get(key);
      if (first) {
        const kind = DECORATORS.find((d) => d.tier === task.declaredTier)!.kind;
        throw new DuplicateTaskError(DUPLICATE_TASK(kind, task.name, first.location, task.location));
      }
      byName.set(key, task);
    }
  }
}
