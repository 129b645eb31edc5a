// Producer and worker in separate processes: this process consumes (raw Worker, or our app with roles
// ['worker']), a child process forked per round produces (raw `queue.add`, or our app with roles ['producer']
// calling enqueueWorkflow). This file is also the child's entry point (see producerChild / serialChild).
import { Redis } from 'ioredis';
import { HybridScheduler } from 'nestjs-hybrid-scheduler';
import { alternate, producerChild, producerRound, type Producer } from '../rounds.js';
import { serialChild, serialChildRound } from './one-job-at-a-time.js';
import { printSerial, printThroughput, throughputRow, type Runs } from './compare.js';
import { bootOurs, CONCURRENCIES, ourName, rawQueue, rawWorker } from './workflows.js';

const CHILD_ENV = 'BULLMQ_BENCH_PRODUCER';
const SERIAL_CHILD_ENV = 'BULLMQ_BENCH_SERIAL_PRODUCER';

/** The child's producer, from `[mode, concurrency, count, url]`. */
async function buildProducer([mode, concurrency, , url]: string[]): Promise<Producer> {
  if (mode === 'raw') {
    const connection = new Redis(url, { maxRetriesPerRequest: null });
    const producer = rawQueue(connection, Number(concurrency));
    return {
      send: producer.add,
      close: async () => {
        await producer.queue.close();
        connection.disconnect();
      },
    };
  }
  const app = await bootOurs(url, ['producer']);
  const scheduler = app.get(HybridScheduler);
  return {
    send: (payload) => scheduler.enqueueWorkflow(ourName(Number(concurrency)), payload),
    close: () => app.close(),
  };
}

producerChild(CHILD_ENV, buildProducer);
serialChild(SERIAL_CHILD_ENV, buildProducer);

/** Runs while our worker-only app is up in this process (the raw Workers are created here per row). */
export async function separateProcesses(
  url: string,
  connection: Redis,
  sizes: { jobs: number; rounds: number; serialJobs: number },
): Promise<void> {
  const round = (mode: 'raw' | 'ours', concurrency: number) =>
    producerRound(import.meta.url, CHILD_ENV, [mode, concurrency, sizes.jobs, url], sizes.jobs);
  const rows: Array<Array<string | number>> = [];
  for (const concurrency of CONCURRENCIES) {
    const raw = await rawWorker(connection, concurrency);
    const runs: Runs = await alternate(
      sizes.rounds,
      () => round('raw', concurrency),
      () => round('ours', concurrency),
    );
    rows.push(throughputRow(concurrency, sizes.jobs, runs));
    await raw.close();
  }
  printThroughput(
    `Throughput (jobs/s) and enqueue→start latency (ms), producer and worker in SEPARATE processes (producer forked per round), ${sizes.jobs} trivial jobs per round, medians of ${sizes.rounds} alternating rounds, same Redis`,
    rows,
  );

  const serialRound = (mode: 'raw' | 'ours') =>
    serialChildRound(import.meta.url, SERIAL_CHILD_ENV, [mode, 1, sizes.serialJobs, url], sizes.serialJobs);
  const raw = await rawWorker(connection, 1);
  const serial = await alternate(
    sizes.rounds,
    () => serialRound('raw'),
    () => serialRound('ours'),
  );
  await raw.close();
  printSerial(
    `Enqueue→start latency one job at a time (ms), SEPARATE processes, ${sizes.serialJobs} jobs per round, concurrency 1, alternating rounds`,
    serial.raw.map((r, i) => ({ raw: r, ours: serial.ours[i] })),
  );
}
