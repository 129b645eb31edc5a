// CPU profile of enqueue bursts (evidence for docs/queue.md, issue 14):
//   npm run build && node dist/bench/profile/burst-profile.js [jobs=10000] [bursts=5] [out.cpuprofile]
// A producer-only app on a private Redis sends `bursts` bursts of `jobs` concurrent enqueueWorkflow calls; the
// profile (as `--cpu-prof` records it, via node:inspector) covers only the bursts. Prints jobs/s per burst.
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { HybridScheduler, HybridSchedulerModule, QueuedWorkflow } from 'nestjs-hybrid-scheduler';
import { startRedis } from '../../test/support/redis.js';

const JOBS = Number(process.argv[2] ?? 10_000);
const BURSTS = Number(process.argv[3] ?? 5);
const OUT = process.argv[4];

@Injectable()
class BurstWorkflow {
  @QueuedWorkflow({ name: 'profiled-burst', attempts: 1 })
  burst(_payload: { n: number }) {}
}

const redis = await startRedis();
@Module({
  imports: [
    HybridSchedulerModule.forRoot({
      fallback: 'fail',
      queue: { bullmq: { connection: redis.url }, roles: ['producer'] },
    }),
  ],
  providers: [BurstWorkflow],
})
class BurstModule {}
const app = await NestFactory.createApplicationContext(BurstModule, { logger: ['error'] });
await app.init();
const scheduler = app.get(HybridScheduler);
const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
const queue = new Queue('profiled-burst', { connection, prefix: 'hybrid' });
const items = Array.from({ length: JOBS }, (_, n) => ({ n }));
await Promise.all(items.map((item) => scheduler.enqueueWorkflow('profiled-burst', item))); // warm-up
await queue.obliterate({ force: true });

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.start');
for (let burst = 0; burst < BURSTS; burst++) {
  const began = performance.now();
  await Promise.all(items.map((item) => scheduler.enqueueWorkflow('profiled-burst', item)));
  console.log(`burst ${burst + 1}: ${(JOBS / ((performance.now() - began) / 1000)).toFixed(0)} jobs/s`);
  await session.post('Profiler.stop').then(async ({ profile }) => {
    if (OUT && burst === BURSTS - 1) writeFileSync(OUT, JSON.stringify(profile));
    await queue.obliterate({ force: true });
    if (burst < BURSTS - 1) await session.post('Profiler.start');
  });
}
await queue.close();
connection.disconnect();
await app.close();
await redis.stop();
process.exit(0);
