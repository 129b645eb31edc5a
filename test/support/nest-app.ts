import type { INestApplication, Type } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { HybridScheduler, type JobEvent } from 'nestjs-hybrid-scheduler';

export interface BootedApp {
  app: INestApplication;
  scheduler: HybridScheduler;
  /** Every job event since boot, in order. */
  events: JobEvent[];
  eventsOf(jobId: string, type?: JobEvent['type']): JobEvent[];
  close(): Promise<void>;
}

/** Boots a real Nest application around `module` (all lifecycle hooks run) and records job events. */
export async function bootApp(
  module: Type<unknown>,
  options: { logger?: boolean; adapter?: AbstractHttpAdapter } = {},
): Promise<BootedApp> {
  const moduleRef = await Test.createTestingModule({ imports: [module] }).compile();
  const appOptions = { logger: options.logger ? undefined : false } as const;
  const app = options.adapter
    ? moduleRef.createNestApplication(options.adapter, appOptions)
    : moduleRef.createNestApplication(appOptions);
  const scheduler = app.get(HybridScheduler);
  const events: JobEvent[] = [];
  scheduler.onJobEvent((event) => events.push(event));
  await app.init();
  let closed = false;
  return {
    app,
    scheduler,
    events,
    eventsOf: (jobId, type) => events.filter((e) => e.jobId === jobId && (!type || e.type === type)),
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 10ms until it holds, or fails with `message` after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  message = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs}ms waiting for ${message}`);
    await sleep(10);
  }
}

/** Blocks the event loop, as a CPU-bound handler or a long synchronous call would. */
export function blockEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy wait on purpose
  }
}
