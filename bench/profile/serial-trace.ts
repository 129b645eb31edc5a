// One job at a time on BullMQ, raw or ours, with what Redis saw (evidence for docs/queue.md, issue 14):
//   npm run build && node dist/bench/profile/serial-trace.js raw|ours [jobs=2000]
// Each job is enqueued from the previous job's handler (as the bench's one-job-at-a-time rows do). Prints the
// enqueue→start p50/p99, the enqueue call's p50 and CPU per job. MONITOR=1: redis-cli MONITOR of the last 3 jobs
// (which script each connection sent, in which order: with the add before the worker's completion of the job
// before it, BullMQ's moveToFinished fetches it at once; after, the worker blocks on BZPOPMIN and fetches it in
// another round trip). PROFILE=<file>: a CPU profile of the measured jobs.
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { Redis } from 'ioredis';
import { HybridScheduler } from 'nestjs-hybrid-scheduler';
import { startRedis } from '../../test/support/redis.js';
import { now, sink, type TimedPayload } from '../rounds.js';
import { percentile } from '../stats.js';
import { bootOurs, ourName, rawQueue, rawWorker, started } from '../bullmq/workflows.js';

const mode = process.argv[2] === 'raw' ? 'raw' : 'ours';
const JOBS = Number(process.argv[3] ?? 2000);
const WARM_UP = 200;
const TRACED = 3;

const redis = await startRedis();
const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
let send: (payload: TimedPayload) => Promise<unknown>;
let stop: () => Promise<unknown>;
if (mode === 'raw') {
  const worker = await rawWorker(connection, 1);
  const producer = rawQueue(connection, 1);
  send = producer.add;
  stop = async () => {
    await worker.close();
    await producer.queue.close();
  };
} else {
  const app = await bootOurs(redis.url);
  const scheduler = app.get(HybridScheduler);
  send = (payload) => scheduler.enqueueWorkflow(ourName(1), payload);
  stop = () => app.close();
}

const adds: number[] = [];
async function one(): Promise<void> {
  const start = new Promise<void>((resolve) => (started.wake = resolve));
  const t = now();
  await send({ t });
  adds.push(now() - t);
  await start;
}

for (let i = 0; i < WARM_UP; i++) await one();
sink.latencies = [];
adds.length = 0;
const session = process.env.PROFILE ? new Session() : undefined;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
const cpu = process.cpuUsage();
for (let i = 0; i < JOBS; i++) await one();
const used = process.cpuUsage(cpu);
if (session)
  writeFileSync(process.env.PROFILE!, JSON.stringify((await session.post('Profiler.stop')).profile));
console.log(
  `${mode}: enqueue→start p50 ${percentile(sink.latencies, 50).toFixed(3)} p99 ${percentile(sink.latencies, 99).toFixed(3)} ms, ` +
    `enqueue call p50 ${percentile(adds, 50).toFixed(3)} ms, CPU ${((used.user + used.system) / JOBS).toFixed(0)} µs per job (${JOBS} jobs)`,
);

if (process.env.MONITOR) {
  const monitor = spawn('redis-cli', ['-p', String(redis.port), 'monitor'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  monitor.stdout.on('data', (data: Buffer) => {
    // One line per command a client sent (scripts' inner calls are left out): time, client, command, script sha.
    for (const line of data.toString().split('\n'))
      if (line && !line.includes('[0 lua]')) console.log(line.slice(0, 110));
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  for (let i = 0; i < TRACED; i++) await one();
  await new Promise((resolve) => setTimeout(resolve, 300));
  monitor.kill();
}
await stop();
connection.disconnect();
await redis.stop();
process.exit(0);
