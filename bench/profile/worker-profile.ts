// Worker-side CPU profile of the BullMQ consume path (evidence for docs/queue.md, issue 14):
//   npm run build && node dist/bench/profile/worker-profile.js ours|raw [jobs] [concurrency] [out.cpuprofile]
// Fills a private Redis with `jobs` trivial jobs (raw addBulk) into a paused queue, boots the consumer (a raw
// BullMQ Worker, or the decorated workflow in a worker-only app), then resumes the queue and records a CPU
// profile (the same as `--cpu-prof`, via node:inspector) only while the jobs are consumed: boot and filling are
// not in it, so its top frames are the worker's per-job cost. Prints jobs/s, CPU µs per job and the Redis commands
// per job (INFO commandstats).
// Summarize a profile with `node dist/bench/profile/profile-top.js prof/<file>.cpuprofile`.
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue, Worker } from 'bullmq';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { Redis } from 'ioredis';
import { HybridSchedulerModule, QueuedWorkflow } from 'nestjs-hybrid-scheduler';
import { startRedis } from '../../test/support/redis.js';

const mode = process.argv[2] === 'raw' ? 'raw' : 'ours';
const JOBS = Number(process.argv[3] ?? 20_000);
const CONCURRENCY = Number(process.argv[4] ?? 10);
const OUT = process.argv[5];
const NAME = 'profiled';
const state = { done: 0 };

@Injectable()
class ProfiledWorkflow {
  @QueuedWorkflow({ name: NAME, concurrency: CONCURRENCY, attempts: 1 })
  handle(_payload: { n: number }) {
    state.done++;
  }
}

async function fill(queue: Queue): Promise<void> {
  await queue.pause();
  for (let i = 0; i < JOBS; i += 1000) {
    const size = Math.min(1000, JOBS - i);
    await queue.addBulk(
      Array.from({ length: size }, (_, k) => ({
        name: NAME,
        data: { n: i + k },
        opts: { attempts: 1, removeOnFail: false },
      })),
    );
  }
}

async function untilDone(): Promise<void> {
  while (state.done < JOBS) await new Promise((resolve) => setTimeout(resolve, 5));
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue(NAME, { connection, prefix: 'hybrid' });
  await fill(queue);
  let stop: () => Promise<void>;
  if (mode === 'raw') {
    const worker = new Worker(NAME, async () => void state.done++, {
      connection: connection.duplicate({ maxRetriesPerRequest: null }),
      prefix: 'hybrid',
      concurrency: CONCURRENCY,
      autorun: false,
      removeOnComplete: { age: 3600, count: 1000 },
    });
    void worker.run();
    stop = () => worker.close();
  } else {
    @Module({
      imports: [
        HybridSchedulerModule.forRoot({
          fallback: 'fail',
          queue: { bullmq: { connection: redis.url }, roles: ['worker'] },
        }),
      ],
      providers: [ProfiledWorkflow],
    })
    class ProfiledModule {}
    const app = await NestFactory.createApplicationContext(ProfiledModule, { logger: ['error'] });
    await app.init();
    stop = () => app.close();
  }
  await connection.config('RESETSTAT');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  const began = performance.now();
  const cpu = process.cpuUsage();
  await queue.resume();
  await untilDone();
  const { profile } = await session.post('Profiler.stop');
  if (OUT) writeFileSync(OUT, JSON.stringify(profile));
  const seconds = (performance.now() - began) / 1000;
  const used = process.cpuUsage(cpu);
  console.log(
    `${mode}: ${JOBS} jobs at concurrency ${CONCURRENCY} in ${seconds.toFixed(2)}s = ${(JOBS / seconds).toFixed(0)} jobs/s, ` +
      `CPU ${((used.user + used.system) / JOBS).toFixed(0)} µs per job (this process, profiler on)`,
  );
  // Commands Redis ran while the jobs were consumed, per job: both consumers should make the same round trips.
  const stats = await connection.info('commandstats');
  const perJob = [...stats.matchAll(/cmdstat_([a-z|]+):calls=(\d+)/g)]
    .map(([, command, calls]) => `${command} ${(Number(calls) / JOBS).toFixed(2)}`)
    .join(', ');
  console.log(`Redis commands per job: ${perJob}`);
  await stop();
  await queue.close();
  connection.disconnect();
  await redis.stop();
}

await main();
process.exit(0);
