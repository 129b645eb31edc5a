import type { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import type { QueueProviderName, TierAvailability, TierHealth } from '../../interfaces/index.js';
import type { DeadLetterStore } from './dead-letter-store.interface.js';
import { createDeadLetterStore } from './dead-letter-store.factory.js';
import type { QueueEngine } from './queue-engine.interface.js';
import {
  isEngineConfigured,
  QUEUE_ENGINE_FACTORIES,
  type ResolvedQueueOptions,
} from './queue-engine.registry.js';
import { MemoryQueueEngine } from './memory/memory-queue.engine.js';
import { MemoryDeadLetterStore } from './memory/memory-dead-letter.store.js';

/**
 * The queue engines configured for this app and their shared dead-letter store: created and probed at boot,
 * started, stopped and health-checked together. When they did not all answer at boot (or the tier is disabled),
 * every workflow runs on one in-process memory engine instead, with a dead-letter store in memory.
 * The tier keeps the workflows; this keeps the engines.
 */
export class QueueEngines {
  private readonly providers = new Map<QueueProviderName, QueueEngine>();
  private deadLetterStore?: DeadLetterStore;
  private fallback?: MemoryQueueEngine;
  private fallbackReason?: string;

  constructor(
    private readonly options: ResolvedQueueOptions | undefined,
    private readonly nest: { moduleRef?: ModuleRef; httpAdapterHost?: HttpAdapterHost },
  ) {}

  /** The engine a workflow of `provider` runs on; undefined when that provider is not configured. */
  get(name: QueueProviderName): QueueEngine | undefined {
    return this.fallback ?? this.providers.get(name);
  }

  /** Why the workflows run on the in-process engine, when they do. */
  get inProcessReason(): string | undefined {
    return this.fallbackReason;
  }

  /**
   * While on the in-process engine: whether every configured engine answers now. Nothing switches (the
   * in-process jobs live in this process only); the tier tells that a restart would use the engines.
   */
  async configuredEnginesAnswer(): Promise<boolean> {
    if (!this.fallback || !this.options || this.providers.size === 0) return false;
    // Cloud Tasks' probe also mounts its push endpoint: not done behind a running app's back.
    if (this.providers.has('cloud-tasks')) return false;
    const probes = await Promise.all([...this.providers.values()].map((provider) => provider.probe()));
    return probes.every((probe) => probe.available);
  }

  /** Adds to the in-process reason (shown in health and each job's details). */
  noteInProcess(note: string): void {
    if (this.fallbackReason) this.fallbackReason = `${this.fallbackReason}; ${note}`;
  }

  /** Creates every configured provider and checks that each answers; available only if all do. */
  async probe(): Promise<TierAvailability> {
    if (!this.options) return this.runInProcess('queue.enabled is false');
    this.deadLetterStore ??= createDeadLetterStore(this.options);
    const options = this.options;
    const names = (['memory', 'bullmq', 'cloud-tasks', 'rabbitmq', 'nats'] as const).filter((n) =>
      isEngineConfigured(n, options),
    );
    const problems: string[] = [];
    for (const name of names) {
      const factory = QUEUE_ENGINE_FACTORIES[name];
      if (!factory) {
        problems.push(`${name}: this build has no ${name} provider`);
        continue;
      }
      const provider =
        this.providers.get(name) ?? factory(options, { deadLetters: this.deadLetterStore, ...this.nest });
      this.providers.set(name, provider);
      const availability = await provider.probe();
      if (!availability.available) problems.push(availability.reason ?? `${name} is unavailable`);
    }
    return problems.length ? this.runInProcess(problems.join('; ')) : { available: true };
  }

  /** Starts all; if one fails, closes every provider again (the lifecycle only stops tiers that started). */
  async start(consume: boolean): Promise<void> {
    // The in-process engine always consumes: nothing else would run its jobs.
    const started = await Promise.allSettled(this.active().map((p) => p.start(consume || !!this.fallback)));
    const failure = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failure) return;
    await this.close(0).catch(() => undefined);
    throw failure.reason;
  }

  async stopConsuming(): Promise<void> {
    await Promise.all(this.active().map((p) => p.stopConsuming()));
  }

  /** Closes every provider even if one fails, then reports the first failure. */
  async close(drainMs: number): Promise<void> {
    const results = await Promise.allSettled(this.active().map((p) => p.close(drainMs)));
    await this.deadLetterStore?.close();
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  }

  /** The worst provider status wins; details per provider. */
  async health(workflows: number): Promise<TierHealth> {
    const results = await Promise.all(this.active().map(async (p) => [p.name, await p.health()] as const));
    const statuses = results.map(([, health]) => health.status);
    const status = statuses.includes('down')
      ? 'down'
      : statuses.includes('degraded') || this.fallback
        ? 'degraded'
        : 'up';
    const details = Object.fromEntries(results.map(([n, h]) => [n, h.details]));
    return {
      status,
      details: { workflows, ...details, ...(this.fallbackReason ? { inProcess: this.fallbackReason } : {}) },
    };
  }

  private active(): QueueEngine[] {
    return this.fallback ? [this.fallback] : [...this.providers.values()];
  }

  /** Switches to the in-process engine; the configured engines are left unused (none was started). */
  private runInProcess(reason: string): TierAvailability {
    this.fallbackReason = reason;
    this.deadLetterStore = new MemoryDeadLetterStore();
    this.fallback ??= new MemoryQueueEngine(this.deadLetterStore);
    return { available: false, reason };
  }
}
