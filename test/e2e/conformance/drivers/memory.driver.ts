import type { EngineDriver } from '../engine.driver.js';

/** The embedded engine: no server, not durable, one queue per process (docs/queue.md). */
export const memoryDriver: EngineDriver = {
  engine: 'memory',
  broker: false,
  limits: { durable: false, shared: false, priority: true, globalRateLimit: false, delayToleranceMs: 200 },
  start: async () => ({
    queueOptions: () => ({ provider: 'memory' }),
    stop: async () => undefined,
  }),
};
