import type {
  DeliveredJob,
  EngineEvents,
  EngineWorkflow,
} from '../../../libs/hybrid-scheduler/src/tiers/queue/queue-engine.interface.js';
import { RabbitMqQueueEngine } from '../../../libs/hybrid-scheduler/src/tiers/queue/rabbitmq/rabbitmq-queue.engine.js';

export function workflowOf(name: string, extra: Partial<EngineWorkflow> = {}): EngineWorkflow {
  return {
    name,
    attempts: 1,
    backoff: { type: 'fixed', delayMs: 100 },
    concurrency: 1,
    deadLetter: true,
    schedule: { kind: 'none' },
    catchUp: 'skip',
    schedulePayload: {},
    ...extra,
  } as EngineWorkflow;
}

export interface Recorder {
  runs: Array<{ job: DeliveredJob; at: number }>;
  retries: Array<{ attempt: number; delayMs: number; at: number }>;
  dead: DeliveredJob[];
  missed: Date[];
  /** Older missed ticks reported only as a count. */
  unreported: number;
  events: EngineEvents;
}

export function recorder(): Recorder {
  const r: Recorder = {
    runs: [],
    retries: [],
    dead: [],
    missed: [],
    unreported: 0,
    events: {
      retrying: (job, _error, delayMs) => r.retries.push({ attempt: job.attempt, delayMs, at: Date.now() }),
      deadLettered: (job) => r.dead.push(job),
      missed: (_workflow, at) => r.missed.push(at),
      missedUnreported: (_workflow, count) => (r.unreported += count),
    },
  };
  return r;
}

/** An engine with one workflow whose handler is `handler` (records every run first). */
export function engineWith(
  url: string,
  workflow: EngineWorkflow,
  rec: Recorder,
  handler: (job: DeliveredJob, signal?: AbortSignal) => Promise<void> = async () => undefined,
  options: { prefix?: string; drainMs?: number } = {},
): RabbitMqQueueEngine {
  const engine = new RabbitMqQueueEngine({ url, prefix: options.prefix ?? 'test' }, options.drainMs ?? 5000);
  engine.addWorkflow(
    workflow,
    async (job, signal) => {
      rec.runs.push({ job, at: Date.now() });
      await handler(job, signal);
    },
    rec.events,
  );
  return engine;
}

export async function until(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
