// CPU profile of the queue hot path with observability on (evidence for docs/observability.md's cost section):
//   npm run build && node dist/bench/profile/observability-profile.js on|off|metrics|tracing [jobs] [out.cpuprofile] [memory|bullmq]
// One app on the in-process memory engine (the path with the least engine work, so the observability share is
// largest) or on BullMQ (a private Redis): metrics in their own registry and/or tracing through the real SDK (BasicTracerProvider, a batch
// processor, an exporter that drops every span). The profile (node:inspector, like --cpu-prof) covers only the
// enqueue-and-run of `jobs` jobs after a warm-up. Summarize with `node dist/bench/profile/profile-top.js <file>`.
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { HybridScheduler } from 'nestjs-hybrid-scheduler';
import { Registry } from 'prom-client';
import { startRedis } from '../../test/support/redis.js';
import { bootObserved, registerTracingSdk, throughput } from '../observability-app.js';

const mode = (process.argv[2] ?? 'on') as 'on' | 'off' | 'metrics' | 'tracing';
const JOBS = Number(process.argv[3] ?? 50_000);
const OUT = process.argv[4];
const ENGINE = process.argv[5] === 'bullmq' ? 'bullmq' : 'memory';

async function main(): Promise<void> {
  const sdk = registerTracingSdk();
  const redis = ENGINE === 'bullmq' ? await startRedis() : undefined;
  const app = await bootObserved({
    fallback: 'fail',
    ...(redis ? { queue: { bullmq: { connection: redis.url } } } : {}),
    ...(mode === 'on' || mode === 'metrics' ? { metrics: { registry: new Registry() } } : {}),
    tracing: { enabled: mode === 'on' || mode === 'tracing' },
  });
  const scheduler = app.get(HybridScheduler);
  await throughput(scheduler, 5_000); // warm-up: JIT, caches
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  const { perSecond, cpuUsPerJob } = await throughput(scheduler, JOBS);
  const { profile } = await session.post('Profiler.stop');
  if (OUT) writeFileSync(OUT, JSON.stringify(profile));
  console.log(
    `${mode}: ${JOBS} jobs, ${perSecond.toFixed(0)} jobs/s (${(1e6 / perSecond).toFixed(2)} µs/job)`,
  );
  await app.close();
  await sdk.shutdown();
  await redis?.stop();
}

await main();
process.exit(0);
