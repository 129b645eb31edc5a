import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import { HYBRID_SCHEDULER_OPTIONS } from '../../hybrid-scheduler.constants.js';
import {
  DeadLetterNotFoundError,
  InvalidTaskOptionsError,
  TierUnavailableError,
  WorkflowNotFoundError,
} from '../../errors/index.js';
import { INVALID_OPTION } from '../../errors/messages.js';
import type { ResolvedModuleOptions } from '../../config/module-options.js';
import type {
  DeadLetter,
  EnqueueOptions,
  EnqueueResult,
  JobInfo,
  QueueTierApi,
  RecentRuns,
  RoutedTask,
  SchedulerTier,
  TierAvailability,
  TierHealth,
  TriggerResult,
} from '../../interfaces/index.js';
import { JobRegistry } from '../../registry/job.registry.js';
import { parseJobId, parseQueueJobId, queueJobId } from '../../registry/job-id.js';
import { TaskRunner } from '../../runner/task.runner.js';
import { RunTracing } from '../../observability/run-tracing.js';
import { checkEnqueueOptions } from './enqueue-options.check.js';
import { validatePayload } from './payload.validator.js';
import { QueueEngines } from './queue-engines.js';
import type { EngineWorkflow, JobHeaders, QueueEngine } from './queue-engine.interface.js';
import { workflowGlue } from './queue-job.processor.js';
import { guardEngine, silentSince, type EngineWatch } from '../../common/engine-guard.js';
import { engineWatch } from './queue-engine.registry.js';
import { refreshWorkflowInfo } from './queue-jobs.view.js';
import { checkPayloadSize, DEFAULT_MAX_PAYLOAD_BYTES, triggerPayload } from './payload-limits.js';
import { providerOf, toEngineWorkflow } from './workflow.mapper.js';

/** How often engines that did not answer at boot are probed again. */
const ENGINE_RECHECK_MS = 5_000;

interface WorkflowEntry {
  task: RoutedTask;
  workflow: EngineWorkflow;
  provider: QueueEngine;
  info: JobInfo;
  /** Outage state of the engine's server (none for the in-process engine). */
  watch?: EngineWatch;
}

/**
 * Durable, multi-replica work: `@QueuedWorkflow`s on a QueueEngine (memory, BullMQ, Cloud Tasks). Validates
 * payloads before anything is enqueued, runs deliveries through the TaskRunner, and exposes dead letters.
 * When its engines did not answer at boot (or `queue.enabled` is false), the workflows routed here run on its
 * in-process memory engine: the same code path, not durable.
 */
@Injectable()
export class QueueTier implements SchedulerTier, QueueTierApi {
  readonly name = 'queue' as const;
  private readonly logger = new Logger('HybridScheduler:QueueTier');
  private readonly entries = new Map<string, WorkflowEntry>();
  private readonly providers: QueueEngines;

  constructor(
    @Inject(HYBRID_SCHEDULER_OPTIONS) private readonly options: ResolvedModuleOptions,
    private readonly registry: JobRegistry,
    private readonly runner: TaskRunner,
    @Optional() private readonly moduleRef?: ModuleRef,
    @Optional() httpAdapterHost?: HttpAdapterHost,
    @Optional() private readonly tracing?: RunTracing,
  ) {
    this.providers = new QueueEngines(options.queue, { moduleRef, httpAdapterHost });
  }

  /** Creates every configured provider and checks that each answers; the tier is available only if all do. */
  async probe(): Promise<TierAvailability> {
    return this.providers.probe();
  }

  register(task: RoutedTask): void {
    if (task.schedule.kind === 'rrule' || task.schedule.kind === 'at') {
      throw new TierUnavailableError(
        `Task "${task.name}": the queue tier cannot run ${task.schedule.kind} schedules.`,
      );
    }
    const providerName = providerOf(task, this.options.queue?.provider ?? 'memory');
    const provider = this.providers.get(providerName);
    if (!provider) {
      // Only a `@QueuedWorkflow` names a provider; anything else gets the module default, which is configured.
      throw new InvalidTaskOptionsError(
        INVALID_OPTION(
          'QueuedWorkflow',
          task.location,
          'provider',
          providerName,
          `the ${providerName} provider is not configured (set queue.${providerName === 'cloud-tasks' ? 'cloudTasks' : providerName} in the module options)`,
        ),
      );
    }
    const info = this.registry.add(this, task);
    const inProcess = this.providers.inProcessReason;
    info.details = { provider: provider.name, ...(inProcess ? { inProcess } : {}) };
    const workflow = toEngineWorkflow(task);
    const glue = workflowGlue(task, workflow, info, provider.name, this.runner, this.registry);
    provider.addWorkflow(workflow, glue.processor, glue.events);
    const watch =
      inProcess || !this.options.queue
        ? undefined
        : (provider.outageWatch ?? engineWatch(provider.name, this.options.queue));
    this.entries.set(task.name, { task, workflow, provider, info, watch });
  }

  /**
   * On the in-process engine because the configured engines did not answer at boot: probes them every
   * ENGINE_RECHECK_MS and, once they all answer, says (once, WARN) that this replica keeps its workflows in
   * process until it restarts. Moving its in-memory jobs to the shared engine is not done; `onAvailable` is
   * not called, so the tier stays reported as degraded.
   */
  watchAvailability(): () => void {
    let checking = false;
    const timer = setInterval(() => {
      if (checking) return;
      checking = true;
      void this.providers
        .configuredEnginesAnswer()
        .then((answer) => {
          if (!answer) return;
          clearInterval(timer);
          const since = new Date().toISOString();
          this.providers.noteInProcess(
            `the configured engines answer since ${since}: restart this replica to use them`,
          );
          this.logger.warn(
            `The queue engines answer again (since ${since}), but this replica keeps running its ${this.entries.size} ` +
              'workflow(s) on its in-process engine until it restarts (its in-memory jobs are not moved): restart it to use them',
          );
        })
        .catch(() => undefined)
        .finally(() => (checking = false));
    }, ENGINE_RECHECK_MS);
    timer.unref();
    return () => clearInterval(timer);
  }

  async start(): Promise<void> {
    const consume = this.options.queue?.roles.includes('worker') ?? true;
    await this.providers.start(consume);
    this.logger.log(
      `Started ${this.entries.size} queued workflow(s)${consume ? '' : ' (producer only: no workers)'}`,
    );
  }

  async stopTriggers(): Promise<void> {
    await this.providers.stopConsuming();
  }

  async shutdown(): Promise<void> {
    const timeoutMs = this.options.queue?.shutdownTimeoutMs ?? this.options.internal.shutdownTimeoutMs;
    const running = this.runner.runningCount('queue');
    if (running > 0) this.logger.log(`Waiting up to ${timeoutMs}ms for ${running} running queued job(s)`);
    await this.providers.close(timeoutMs);
  }

  /** The engines' health; an engine that answers no enqueue (frozen: its client sees no outage) is degraded. */
  async health(): Promise<TierHealth> {
    const health = await this.providers.health(this.entries.size);
    const watches = new Set(
      [...this.entries.values()].flatMap((entry) => (entry.watch ? [entry.watch] : [])),
    );
    const silent = [...watches].flatMap((watch) => {
      const since = silentSince(watch);
      return since
        ? [`the ${watch.engine} engine at ${watch.address} has answered nothing since ${since.toISOString()}`]
        : [];
    });
    if (silent.length === 0) return health;
    return {
      status: health.status === 'down' ? 'down' : 'degraded',
      details: { ...health.details, unanswered: silent },
    };
  }

  async trigger(id: string): Promise<TriggerResult> {
    const entry = this.entryOf(id);
    const declared = entry.task.queue?.schedulePayload !== undefined || entry.task.declaredTier !== 'queue';
    const result = await triggerPayload(entry.task.name, declared, () =>
      this.enqueueWorkflow(entry.task.name, entry.workflow.schedulePayload),
    );
    return { jobId: id, status: 'enqueued', id: result.id };
  }

  async pause(id: string): Promise<void> {
    const entry = this.entryOf(id);
    await this.guard(entry, `pause("${id}")`, () => entry.provider.pause(entry.task.name));
  }

  async resume(id: string): Promise<void> {
    const entry = this.entryOf(id);
    await this.guard(entry, `resume("${id}")`, () => entry.provider.resume(entry.task.name));
  }

  /** Stops the workflow in this process and removes its engine-side schedule; jobs already enqueued stay. */
  async remove(id: string): Promise<void> {
    const entry = this.entryOf(id);
    await this.guard(entry, `removeJob("${id}")`, () => entry.provider.removeWorkflow(entry.task.name));
    this.entries.delete(entry.task.name);
    this.registry.remove(id);
  }

  /** Engine-side counts and next runs; never waits on an outage (stale values are marked). */
  async refresh(ids: string[]): Promise<void> {
    const inProcess = this.providers.inProcessReason;
    const extra = inProcess ? { inProcess } : {};
    await Promise.all(
      ids.map((id) => {
        const entry = this.entryOf(id);
        const workflow = {
          name: entry.task.name,
          provider: entry.provider,
          info: entry.info,
          watch: entry.watch,
        };
        return refreshWorkflowInfo(workflow, this.options.unavailableTimeoutMs, extra);
      }),
    );
  }

  async enqueueWorkflow(
    workflow: string,
    payload: unknown = {},
    options: EnqueueOptions = {},
  ): Promise<EnqueueResult> {
    const entry = this.workflowEntry(workflow);
    checkEnqueueOptions(workflow, options, entry.provider.maxDelayMs);
    const validating = validatePayload(workflow, payload, entry.task.policy.payload);
    if (validating) await validating;
    const maxBytes = this.options.queue?.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    checkPayloadSize(workflow, payload, maxBytes, entry.provider);
    const enqueue = (headers?: JobHeaders) => entry.provider.enqueue(workflow, payload, options, headers);
    // With tracing on: a PRODUCER span, whose trace context travels with the job (JobHeaders).
    const job = await this.guard(
      entry,
      `enqueueWorkflow("${workflow}")`,
      () =>
        this.tracing?.enabled ? this.tracing.produce(workflow, entry.provider.name, enqueue) : enqueue(),
      true,
    );
    return {
      id: queueJobId(workflow, job.jobKey),
      provider: entry.provider.name,
      workflow,
      created: job.created,
    };
  }

  async deadLetters(workflow: string): Promise<DeadLetter[]> {
    const entry = this.workflowEntry(workflow);
    return this.guard(entry, `deadLetters("${workflow}")`, () => entry.provider.deadLetters(workflow));
  }

  async retryDeadLetter(id: string): Promise<EnqueueResult> {
    const parsed = parseQueueJobId(id);
    if (!parsed) throw new DeadLetterNotFoundError(id);
    const entry = this.workflowEntry(parsed.workflow);
    const job = await this.guard(entry, `retryDeadLetter("${id}")`, () =>
      entry.provider.retryDeadLetter(parsed.workflow, parsed.jobKey),
    );
    return {
      id: queueJobId(parsed.workflow, job.jobKey),
      provider: entry.provider.name,
      workflow: parsed.workflow,
      created: job.created,
    };
  }

  async purgeDeadLetters(workflow: string): Promise<number> {
    const entry = this.workflowEntry(workflow);
    return this.guard(entry, `purgeDeadLetters("${workflow}")`, () =>
      entry.provider.purgeDeadLetters(workflow),
    );
  }

  /** What the workflow's engine keeps of its finished jobs (BullMQ); the other engines drop them once acknowledged. */
  async recentRuns(id: string, limit: number): Promise<RecentRuns> {
    const entry = this.entryOf(id);
    const engine = entry.provider;
    if (!engine.recentRuns)
      return {
        jobId: id,
        keptBy: null,
        runs: [],
        notKept: `the ${engine.name} engine keeps no finished jobs (a job is gone once acknowledged); its dead letters: deadLetters("${entry.workflow.name}")`,
      };
    const read = engine.recentRuns.bind(engine);
    const runs = await this.guard(entry, `recentRuns("${id}")`, () => read(entry.workflow.name, limit));
    return { jobId: id, keptBy: engine.name, runs };
  }

  hasWorkflow(workflow: string): boolean {
    return this.entries.has(workflow);
  }

  workflows(): string[] {
    return [...this.entries.keys()];
  }

  /**
   * Bounds a call that needs the engine by `unavailableTimeoutMs` while the engine is known to be down, and a
   * single request (`oneRequest`: an enqueue) also while the engine answers nothing.
   */
  private guard<T>(
    entry: WorkflowEntry,
    action: string,
    op: () => Promise<T>,
    oneRequest = false,
  ): Promise<T> {
    return guardEngine(entry.watch, this.options.unavailableTimeoutMs, action, op, oneRequest);
  }

  private workflowEntry(workflow: string): WorkflowEntry {
    const entry = this.entries.get(workflow);
    if (!entry) throw new WorkflowNotFoundError(workflow, this.workflows());
    return entry;
  }

  private entryOf(id: string): WorkflowEntry {
    const parsed = parseJobId(id);
    const entry = parsed?.tier === 'queue' ? this.entries.get(parsed.name) : undefined;
    if (!entry) this.registry.get(id); // throws JobNotFoundError listing the known ids
    return entry as WorkflowEntry;
  }
}
