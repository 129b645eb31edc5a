// CPU time per enqueue, producer only (evidence for docs/queue.md, issue 14):
//   npm run build && node dist/bench/profile/producer-cpu.js [jobs=5000] [rounds=4] [out.cpuprofile]
// Alternates raw `queue.add` and ours `enqueueWorkflow` (a producer-only app) with 100 adds in flight, as the
// bench's producer does, on a private Redis; prints jobs/s and this process's CPU µs per job for each round.
// With `out`, the last ours round is CPU-profiled.
import 'reflect-metadata';
import { Redis } from 'ioredis';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { HybridScheduler } from 'nestjs-hybrid-scheduler';
import { startRedis } from '../../test/support/redis.js';
import { produce, type TimedPayload } from '../rounds.js';
import { bootOurs, ourName, rawQueue } from '../bullmq/workflows.js';

const JOBS = Number(process.argv[2] ?? 5000);
const ROUNDS = Number(process.argv[3] ?? 4);
const OUT = process.argv[4];

const redis = await startRedis();
const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
const app = await bootOurs(redis.url, ['producer']);
const scheduler = app.get(HybridScheduler);
const raw = rawQueue(connection, 10);
const sides: Record<string, (payload: TimedPayload) => Promise<unknown>> = {
  raw: raw.add,
  ours: (payload) => scheduler.enqueueWorkflow(ourName(10), payload),
};
for (let round = 0; round < ROUNDS; round++) {
  for (const [side, send] of Object.entries(sides)) {
    const session = OUT && side === 'ours' && round === ROUNDS - 1 ? new Session() : undefined;
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    const began = performance.now();
    const cpu = process.cpuUsage();
    await produce(JOBS, send);
    const used = process.cpuUsage(cpu);
    const seconds = (performance.now() - began) / 1000;
    if (session) writeFileSync(OUT!, JSON.stringify((await session.post('Profiler.stop')).profile));
    console.log(
      `round ${round + 1} ${side.padEnd(4)}: ${(JOBS / seconds).toFixed(0)} jobs/s, CPU ${((used.user + used.system) / JOBS).toFixed(1)} µs per job`,
    );
  }
}
await raw.queue.close();
await app.close();
connection.disconnect();
await redis.stop();
process.exit(0);
