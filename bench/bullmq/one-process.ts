// Producer and worker in one process (how small apps run): our app with both roles vs raw Queue + Worker.
import type { Redis } from 'ioredis';
import { HybridScheduler } from 'nestjs-hybrid-scheduler';
import type { INestApplicationContext } from '@nestjs/common';
import { alternate, now, produce, sink, type RoundFigures, type TimedPayload } from '../rounds.js';
import { median, percentile, printTable } from '../stats.js';
import { serialRound, type SerialFigures } from './one-job-at-a-time.js';
import { CONCURRENCIES, ourName, rawQueue, rawWorker } from './workflows.js';
import { printSerial, printThroughput, throughputRow } from './compare.js';

/** A round's figures and the CPU time this process (producer and worker) used per job. */
type CpuRound = RoundFigures & { cpuPerJob: number };

async function throughputRound(
  count: number,
  send: (payload: TimedPayload) => Promise<unknown>,
): Promise<CpuRound> {
  sink.latencies = [];
  sink.done = 0;
  const began = now();
  const cpu = process.cpuUsage();
  await produce(count, send);
  while (sink.done < count) await new Promise((resolve) => setTimeout(resolve, 5));
  const used = process.cpuUsage(cpu);
  return {
    perSecond: count / ((now() - began) / 1000),
    p50: percentile(sink.latencies, 50),
    p99: percentile(sink.latencies, 99),
    cpuPerJob: (used.user + used.system) / count,
  };
}

export async function oneProcess(
  app: INestApplicationContext,
  connection: Redis,
  sizes: { jobs: number; rounds: number; serialJobs: number },
): Promise<void> {
  const scheduler = app.get(HybridScheduler);
  const rows: Array<Array<string | number>> = [];
  const cpuRows: Array<Array<string | number>> = [];
  for (const concurrency of CONCURRENCIES) {
    const worker = await rawWorker(connection, concurrency);
    const producer = rawQueue(connection, concurrency);
    const runs = await alternate<CpuRound>(
      sizes.rounds,
      () => throughputRound(sizes.jobs, producer.add),
      () => throughputRound(sizes.jobs, (p) => scheduler.enqueueWorkflow(ourName(concurrency), p)),
    );
    rows.push(throughputRow(concurrency, sizes.jobs, runs));
    const cpuOf = (side: CpuRound[]) => median(side.map((r) => r.cpuPerJob));
    cpuRows.push([concurrency, cpuOf(runs.raw), cpuOf(runs.ours), cpuOf(runs.ours) / cpuOf(runs.raw)]);
    await worker.close();
    await producer.queue.close();
  }
  printThroughput(
    `Throughput (jobs/s) and enqueue→start latency (ms), producer and worker in ONE process, ${sizes.jobs} trivial jobs per round, medians of ${sizes.rounds} alternating rounds, same Redis`,
    rows,
  );
  // CPU time per job moves less with the machine's load than wall-clock throughput does.
  console.log('\nCPU time of this process (producer and worker) per job, µs, median of all rounds');
  printTable(['conc', 'raw µs/job', 'ours µs/job', 'ours/raw'], cpuRows);

  const worker = await rawWorker(connection, 1);
  const producer = rawQueue(connection, 1);
  const serial = await alternate<SerialFigures>(
    sizes.rounds,
    () => serialRound(sizes.serialJobs, producer.add),
    () => serialRound(sizes.serialJobs, (p) => scheduler.enqueueWorkflow(ourName(1), p)),
  );
  await worker.close();
  await producer.queue.close();
  printSerial(
    `Enqueue→start latency one job at a time (ms), ONE process, ${sizes.serialJobs} jobs per round, concurrency 1, alternating rounds`,
    serial.raw.map((raw, i) => ({ raw, ours: serial.ours[i] })),
  );
}
