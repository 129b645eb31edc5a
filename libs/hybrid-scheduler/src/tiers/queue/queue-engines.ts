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

/**
 * The queue engines configured for this app and their shared dead-letter store: created and probed at boot,
 * started, stopped and health-checked together. The tier keeps the workflows; this keeps the engines.
 */
export class QueueEngines {
  private readonly providers = new Map<QueueProviderName, QueueEngine>();
  private deadLetterStore?: DeadLetterStore;

  constructor(
    private readonly options: ResolvedQueueOptions,
    private readonly nest: { moduleRef?: ModuleRef; httpAdapterHost?: HttpAdapterHost },
  ) {}

  get(name: QueueProviderName): QueueEngine | undefined {
    return this.providers.get(name);
  }

  /** Creates every configured provider and checks that each answers; available only if all do. */
  async probe(): Promise<TierAvailability> {
    this.deadLetterStore ??= createDeadLetterStore(this.options);
    const names = (['memory', 'bullmq', 'cloud-tasks', 'rabbitmq'] as const).filter((n) =>
      isEngineConfigured(n, this.options),
    );
    const problems: string[] = [];
    for (const name of names) {
      const factory = QUEUE_ENGINE_FACTORIES[name];
      if (!factory) {
        problems.push(`${name}: this build has no ${name} provider`);
        continue;
      }
      const provider =
        this.providers.get(name) ??
        factory(this.options, { deadLetters: this.deadLetterStore, ...this.nest });
      this.providers.set(name, provider);
      const availability = await provider.probe();
      if (!availability.available) problems.push(availability.reason ?? `${name} is unavailable`);
    }
    return problems.length ? { available: false, reason: problems.join('; ') } : { available: true };
  }

  /** Starts all; if one fails, closes every provider again (the lifecycle only stops tiers that started). */
  async start(consume: boolean): Promise<void> {
    const started = await Promise.allSettled([...this.providers.values()].map((p) => p.start(consume)));
    const failure = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failure) return;
    await this.close(0).catch(() => undefined);
    throw failure.reason;
  }

  async stopConsuming(): Promise<void> {
    await Promise.all([...this.providers.values()].map((p) => p.stopConsuming()));
  }

  /** Closes every provider even if one fails, then reports the first failure. */
  async close(drainMs: number): Promise<void> {
    const results = await Promise.allSettled([...this.providers.values()].map((p) => p.close(drainMs)));
    await this.deadLetterStore?.close();
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  }

  /** The worst provider status wins; details per provider. */
  async health(workflows: number): Promise<TierHealth> {
    const results = await Promise.all(
      [...this.providers.values()].map(async (p) => [p.name, await p.health()] as const),
    );
    const statuses = results.map(([, health]) => health.status);
    const status = statuses.includes('down') ? 'down' : statuses.includes('degraded') ? 'degraded' : 'up';
    return { status, details: { workflows, ...Object.fromEntries(results.map(([n, h]) => [n, h.details])) } };
  }
}
