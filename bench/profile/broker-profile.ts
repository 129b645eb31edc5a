// What the broker profiles (nats-profile.ts, rabbitmq-profile.ts) share: their arguments, the job counter the
// consumers report to, and a CPU profile (what `--cpu-prof` records, via node:inspector) around the measured part.
//   node dist/bench/profile/<engine>-profile.js consume|produce ours|raw [jobs] [concurrency] [out.cpuprofile]
import type { INestApplicationContext } from '@nestjs/common';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { HybridScheduler } from 'nestjs-hybrid-scheduler';
import { produce, type TimedPayload } from '../rounds.js';

export const side = process.argv[2] === 'produce' ? 'produce' : 'consume';
export const mode = process.argv[3] === 'raw' ? 'raw' : 'ours';
export const JOBS = Number(process.argv[4] ?? 20_000);
export const CONCURRENCY = Number(process.argv[5] ?? 10);
const OUT = process.argv[6];

/** Jobs done, and when the first and the last ran (consume rates count between them: no boot, no close). */
const state = { done: 0, first: 0, last: 0 };

/** Called by every consumer, raw or ours, once per job. */
export function done(): void {
  if (state.done++ === 0) state.first = performance.now();
  if (state.done === JOBS) state.last = performance.now();
}

export async function untilDone(): Promise<void> {
  while (state.done < JOBS) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** Profiles `work` and prints jobs/s (consume: first to last job; produce: the whole of `work`). */
async function profiled(work: () => Promise<void>): Promise<void> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  const began = performance.now();
  await work();
  const ended = performance.now();
  const { profile } = await session.post('Profiler.stop');
  if (OUT) writeFileSync(OUT, JSON.stringify(profile));
  const seconds = (side === 'consume' ? state.last - state.first : ended - began) / 1000;
  console.log(
    `${side} ${mode}: ${JOBS} jobs at concurrency ${CONCURRENCY} in ${seconds.toFixed(2)}s = ${(JOBS / seconds).toFixed(0)} jobs/s`,
  );
}

/** What one engine's profile supplies; `profileSide` runs the side and mode the arguments name. */
export interface ProfiledEngine {
  /** The workflow the decorated class declares. */
  workflow: string;
  /** Boots our app (the workflow's queue exists once a producer-only app has booted). */
  boot(roles: Array<'producer' | 'worker'>): Promise<INestApplicationContext>;
  /** Sends one message the raw way, to the raw queue or (a plain producer) to ours, as `mode` says. */
  rawSend(payload: TimedPayload): Promise<unknown>;
  /** Starts the raw consumer (reporting to `done`); resolves to its close. */
  rawConsume(): Promise<() => Promise<unknown>>;
}

/**
 * produce: profiles JOBS sends (raw, or `enqueueWorkflow` in a producer-only app). consume: fills the queue the
 * raw way, then profiles the consumer (raw, or a worker-only app) until JOBS jobs ran.
 */
export async function profileSide(engine: ProfiledEngine): Promise<void> {
  if (side === 'produce') {
    if (mode === 'raw') return profiled(() => produce(JOBS, (p) => engine.rawSend(p)));
    const app = await engine.boot(['producer']);
    const scheduler = app.get(HybridScheduler);
    await profiled(() => produce(JOBS, (p) => scheduler.enqueueWorkflow(engine.workflow, p)));
    await app.close();
    return;
  }
  await produce(JOBS, (p) => engine.rawSend(p));
  await profiled(async () => {
    let close: () => Promise<unknown>;
    if (mode === 'raw') close = await engine.rawConsume();
    else {
      const app = await engine.boot(['worker']);
      close = () => app.close();
    }
    await untilDone();
    await close();
  });
}
