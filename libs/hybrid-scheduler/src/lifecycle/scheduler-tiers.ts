import { TierUnavailableError } from '../errors/index.js';
import type { ResolvedModuleOptions } from '../config/module-options.js';
import type { SchedulerTier, TierAvailability, TierName } from '../interfaces/index.js';
import type { InternalTier } from '../tiers/internal/internal.tier.js';
import type { PrefectTier } from '../tiers/prefect/prefect.tier.js';
import type { QueueTier } from '../tiers/queue/queue.tier.js';

const NOT_CONFIGURED: Record<TierName, string> = {
  internal: 'internal.enabled is false',
  queue: 'queue.enabled is false',
  prefect: 'prefect.apiUrl is not set',
};

/** The tier instances of this app: a tier the options leave out is not constructed. */
export interface TierInstances {
  internal?: InternalTier;
  /** Always there: with its engines down or disabled it runs queue workflows on its in-process engine. */
  queue: QueueTier;
  prefect?: PrefectTier;
}

/**
 * Which tiers this app configured and which answered at boot, with typed access to each: what the lifecycle,
 * the facade and the health indicator share. The lifecycle records availability; nobody else changes it.
 */
export class SchedulerTiers {
  private readonly availability: Partial<Record<TierName, TierAvailability>> = {};

  constructor(
    private readonly options: ResolvedModuleOptions,
    private readonly instances: TierInstances,
  ) {}

  get queue(): QueueTier {
    return this.instances.queue;
  }

  /** The internal tier, if it is enabled. @throws TierUnavailableError naming `action` and why */
  internal(action: string): InternalTier {
    return this.usable('internal', this.instances.internal, action);
  }

  /** The Prefect tier, if it is configured and answered. @throws TierUnavailableError naming `action` and why */
  prefect(action: string): PrefectTier {
    return this.usable('prefect', this.instances.prefect, action);
  }

  /** Every constructed tier. */
  all(): SchedulerTier[] {
    const { internal, queue, prefect } = this.instances;
    return [internal, queue, prefect].filter((t): t is InternalTier | QueueTier | PrefectTier => !!t);
  }

  named(name: TierName): SchedulerTier {
    const tier = this.all().find((t) => t.name === name);
    if (!tier) throw new TierUnavailableError(`The ${name} tier is not configured`);
    return tier;
  }

  /** Whether the app configured this tier at all (the internal and queue tiers are on by default). */
  isConfigured(name: TierName): boolean {
    if (name === 'internal') return this.options.internal.enabled;
    return name === 'queue' ? !!this.options.queue : !!this.options.prefect;
  }

  availabilityOf(name: TierName): TierAvailability {
    return this.availability[name] ?? { available: false, reason: NOT_CONFIGURED[name] };
  }

  isAvailable(name: TierName): boolean {
    return this.availability[name]?.available === true;
  }

  /** What the router decides with: every tier, configured or not. */
  snapshot(): Record<TierName, TierAvailability> {
    return {
      internal: this.availabilityOf('internal'),
      queue: this.availabilityOf('queue'),
      prefect: this.availabilityOf('prefect'),
    };
  }

  /** Lifecycle only: the result of a boot probe, or a tier that answered again. */
  record(name: TierName, availability: TierAvailability): void {
    this.availability[name] = availability;
  }

  private usable<T>(name: TierName, tier: T | undefined, action: string): T {
    if (tier && this.isAvailable(name)) return tier;
    throw new TierUnavailableError(`Cannot ${action}: ${this.availabilityOf(name).reason}`);
  }
}
