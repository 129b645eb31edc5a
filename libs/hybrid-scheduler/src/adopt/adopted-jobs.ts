import { Inject, Injectable, Logger, type OnApplicationBootstrap, type Type } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModuleRef, Reflector } from '@nestjs/core';
import type { WorkerHost } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type { JobInfo, RecentRuns, TriggerResult } from '../interfaces/index.js';
import { JobRegistry } from '../registry/job.registry.js';
import { HYBRID_SCHEDULER_OPTIONS } from '../hybrid-scheduler.constants.js';
import type { HybridSchedulerModuleOptions, ResolvedModuleOptions } from '../config/module-options.js';
import { RAW_OPTIONS_TOKEN } from '../hybrid-scheduler.module-definition.js';
import { FROM_BULL_MODULE } from './bull-module-connection.js';
import { keyPrefixOf } from '../common/key-prefix.js';
import { registeredQueueProblems } from './registered-queues.check.js';
import { AdoptedJobControlError } from './adopt.errors.js';
import type { AdoptedJobSource } from './adopted-job.source.js';
import { NestBullMqQueues, type ProcessorQueue } from './nest-bullmq.queues.js';
import { NestScheduleJobs } from './nest-schedule.jobs.js';
import { scheduleMethods } from './nest-schedule.methods.js';
import { nestBullMq, nestSchedule } from './peers.js';

/**
 * The jobs of @nestjs/schedule and @nestjs/bullmq that live in the same app, for the facade: found on first
 * use (after boot), each only when its package is installed and its module imported. A job whose id is also
 * one of ours (`internal:<name>`, `queue:<workflow>`) is left out with a warning: ours wins.
 */
@Injectable()
export class AdoptedJobs implements OnApplicationBootstrap {
  private readonly logger = new Logger('HybridScheduler:Adopt');
  private found?: AdoptedJobSource[];
  private readonly warned = new Set<string>();

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly registry: JobRegistry,
    @Inject(HYBRID_SCHEDULER_OPTIONS) private readonly options: ResolvedModuleOptions,
    /** As given: the resolved options no longer say that the connection came from BullModule. */
    @Inject(RAW_OPTIONS_TOKEN) private readonly rawOptions: HybridSchedulerModuleOptions,
  ) {}

  /** Warns about `BullModule.registerQueue()` queues named like a workflow that are not its queue. */
  onApplicationBootstrap(): void {
    const bull = nestBullMq();
    if (!bull) return;
    const workflows = this.registry
      .all()
      .flatMap((record) => (record.info.tier === 'queue' ? [record.info] : []));
    const registered = (name: string) => this.optional<Queue>(bull.getQueueToken(name));
    const prefix = keyPrefixOf(this.options.queue?.bullmq);
    const fromBullModule = this.rawOptions?.queue?.bullmq?.connection === FROM_BULL_MODULE;
    for (const problem of registeredQueueProblems(workflows, registered, prefix, fromBullModule))
      this.logger.warn(problem);
  }

  async list(): Promise<JobInfo[]> {
    const lists = await Promise.all(this.sources().map((source) => source.list()));
    const seen = new Set<string>();
    return lists.flat().filter((info) => {
      if (this.registry.has(info.id) || seen.has(info.id)) {
        this.warnOnce(info.id, info.source);
        return false;
      }
      seen.add(info.id);
      return true;
    });
  }

  /** Whether the facade should hand `id` to an adopted source (never when it is one of our own jobs). */
  owns(id: string): boolean {
    return !this.registry.has(id) && this.sourceOf(id) !== undefined;
  }

  async get(id: string): Promise<JobInfo | undefined> {
    return (await this.sourceOf(id)?.list())?.find((info) => info.id === id);
  }

  async pause(id: string): Promise<void> {
    await this.sourceOf(id)?.pause(id);
  }

  async resume(id: string): Promise<void> {
    await this.sourceOf(id)?.resume(id);
  }

  async trigger(id: string): Promise<TriggerResult | undefined> {
    return this.sourceOf(id)?.trigger(id);
  }

  /** What the owning package's engine keeps of the job's runs; `notKept` where it keeps none we can read. */
  async recentRuns(id: string, limit: number): Promise<RecentRuns> {
    const source = this.sourceOf(id);
    if (!source?.recentRuns)
      return {
        jobId: id,
        keptBy: null,
        runs: [],
        notKept: `a job of ${source?.source ?? 'another package'}, which keeps no run history`,
      };
    return { jobId: id, ...(await source.recentRuns(id, limit)) };
  }

  removeJob(id: string): never {
    throw new AdoptedJobControlError(
      id,
      'removeJob',
      `it belongs to ${this.sourceOf(id)?.source ?? 'another package'}; remove it there (SchedulerRegistry.delete…(), BullMQ)`,
    );
  }

  private sourceOf(id: string): AdoptedJobSource | undefined {
    return this.sources().find((source) => source.owns(id));
  }

  private sources(): AdoptedJobSource[] {
    if (!this.found) {
      const candidates: Array<AdoptedJobSource | undefined> = [this.scheduleJobs(), this.bullMqQueues()];
      this.found = candidates.filter((source): source is AdoptedJobSource => source !== undefined);
    }
    return this.found;
  }

  private scheduleJobs(): NestScheduleJobs | undefined {
    const schedule = nestSchedule();
    const registry = schedule && this.optional(schedule.SchedulerRegistry);
    if (!registry) return undefined;
    return new NestScheduleJobs(registry, scheduleMethods(this.discovery, this.scanner, this.reflector));
  }

  private bullMqQueues(): NestBullMqQueues | undefined {
    const bull = nestBullMq();
    if (!bull) return undefined;
    const queues: ProcessorQueue[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const host: unknown = wrapper.instance;
      if (!(host instanceof bull.WorkerHost)) continue;
      const options = this.reflector.get<{ name?: string } | string | undefined>(
        'bullmq:processor_metadata', // PROCESSOR_METADATA of @nestjs/bullmq (bull.constants.ts, not exported)
        host.constructor,
      );
      const name = typeof options === 'string' ? options : options?.name;
      if (!name) continue;
      queues.push({
        name,
        className: host.constructor.name,
        host: host as WorkerHost,
        queue: this.optional<Queue>(bull.getQueueToken(name)),
      });
    }
    return queues.length ? new NestBullMqQueues(queues) : undefined;
  }

  private optional<T>(token: string | Type<T>): T | undefined {
    try {
      return this.moduleRef.get<T>(token, { strict: false });
    } catch {
      return undefined;
    }
  }

  private warnOnce(id: string, source: string): void {
    if (this.warned.has(id)) return;
    this.warned.add(id);
    this.logger.warn(
      `"${id}" of ${source} is not listed: a job of this scheduler has the same id (rename one)`,
    );
  }
}
