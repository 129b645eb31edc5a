import type { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';

export type ScheduleKind = 'cron' | 'interval' | 'timeout';

/** A method decorated with @Cron, @Interval or @Timeout under a name (unnamed ones get a random name there). */
export interface ScheduleMethod {
  kind: ScheduleKind;
  name: string;
  /** `Class.method` */
  location: string;
  /** The period (@Interval) or delay (@Timeout). */
  ms?: number;
  run: () => Promise<unknown>;
}

// @nestjs/schedule's decorators are SetMetadata calls under these keys (schedule.constants.ts, not exported);
// SCHEDULER_TYPE holds its SchedulerType enum: 1 cron, 2 timeout, 3 interval.
const KINDS: Record<number, ScheduleKind> = { 1: 'cron', 2: 'timeout', 3: 'interval' };
const MS_OPTIONS: Partial<Record<ScheduleKind, string>> = {
  interval: 'SCHEDULE_INTERVAL_OPTIONS',
  timeout: 'SCHEDULE_TIMEOUT_OPTIONS',
};

export const scheduleKey = (kind: ScheduleKind, name: string): string => `${kind}:${name}`;

/**
 * The named @Cron/@Interval/@Timeout methods of the app's static providers and controllers, by `kind:name`:
 * what lets the facade trigger them (with the error reported) and resume a paused interval.
 */
export function scheduleMethods(
  discovery: DiscoveryService,
  scanner: MetadataScanner,
  reflector: Reflector,
): Map<string, ScheduleMethod> {
  const methods = new Map<string, ScheduleMethod>();
  const seen = new Set<object>();
  for (const wrapper of [...discovery.getProviders(), ...discovery.getControllers()]) {
    const instance = wrapper.instance as Record<string, unknown> | undefined;
    if (!instance || !wrapper.isDependencyTreeStatic()) continue;
    const prototype = Object.getPrototypeOf(instance) as Record<string, unknown> | null;
    if (!prototype || seen.has(prototype)) continue;
    seen.add(prototype);
    for (const methodName of scanner.getAllMethodNames(prototype)) {
      const method = prototype[methodName];
      if (typeof method !== 'function') continue;
      const kind = KINDS[reflector.get<number | undefined>('SCHEDULER_TYPE', method) ?? 0];
      const name = reflector.get<string | undefined>('SCHEDULER_NAME', method);
      if (!kind || !name) continue;
      const msKey = MS_OPTIONS[kind];
      const ms = msKey ? reflector.get<{ timeout?: number } | undefined>(msKey, method)?.timeout : undefined;
      methods.set(scheduleKey(kind, name), {
        kind,
        name,
        ms,
        location: `${prototype.constructor instanceof Function ? prototype.constructor.name : 'anonymous'}.${methodName}`,
        run: async () => (method as () => unknown).call(instance),
      });
    }
  }
  return methods;
}
