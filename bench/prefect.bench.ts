// Prefect tier benchmarks, against the in-repo Prefect test server (real HTTP, schema-validated bodies):
//  1. throughput: flow runs claimed and completed per second by ONE worker, and HTTP calls per run;
//  2. start delay: from a scheduled run's time to the method starting (p50/p99), with and without prefetch.
// BENCH_PREFECT_RUNS (default 300) and BENCH_PREFECT_SECONDS (default 12) size them.
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  HybridSchedulerModule,
  PrefectDeployment,
  type FlowRunContext,
  type PrefectTierOptions,
} from 'nestjs-hybrid-scheduler';
import { startPrefectTestServer, type PrefectTestServer } from '../test/support/prefect-server/index.js';
import { percentile, printTable } from './stats.js';

const RUNS = Number(process.env.BENCH_PREFECT_RUNS ?? 300);
const SECONDS = Number(process.env.BENCH_PREFECT_SECONDS ?? 12);
const delays: number[] = [];
let completed = 0;

@Injectable()
class BenchFlows {
  @PrefectDeployment({ flow: 'bench', name: 'throughput' })
  async work() {
    completed++;
  }

  @PrefectDeployment({ flow: 'bench', name: 'ticker', every: '1s' })
  async tick(_params: unknown, ctx: FlowRunContext) {
    delays.push(Date.now() - ctx.scheduledAt.getTime());
  }
}

async function boot(server: PrefectTestServer, prefect: Partial<PrefectTierOptions>) {
  @Module({
    imports: [
      HybridSchedulerModule.forRoot({
        queue: { enabled: false },
        prefect: { apiUrl: server.url, heartbeatIntervalMs: 5_000, ...prefect },
      }),
    ],
    providers: [BenchFlows],
  })
  class BenchModule {}
  return NestFactory.createApplicationContext(BenchModule, { logger: false });
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function throughput(): Promise<void> {
  const rows: Array<Array<string | number>> = [];
  for (const concurrency of [1, 4, 16]) {
    const server = await startPrefectTestServer({ schedulerIntervalMs: 60_000 });
    const app = await boot(server, { pollIntervalMs: 100, prefetchMs: 0, concurrency });
    const deployment = server.deployments().find((d) => d.name === 'throughput')!;
    completed = 0;
    const requestsBefore = server.requests.length;
    const started = performance.now();
    for (let i = 0; i < RUNS; i++) server.createFlowRun(deployment.id);
    while (server.flowRuns({ deploymentId: deployment.id, stateType: 'COMPLETED' }).length < RUNS)
      await wait(20);
    const seconds = (performance.now() - started) / 1000;
    const calls = server.requests.slice(requestsBefore);
    const perRun = (pred: (path: string) => boolean) => calls.filter((r) => pred(r.path)).length / RUNS;
    rows.push([
      concurrency,
      RUNS,
      completed,
      seconds,
      RUNS / seconds,
      calls.length / RUNS,
      perRun((p) => p.endsWith('/set_state')),
      perRun((p) => p.endsWith('/get_scheduled_flow_runs')),
      perRun((p) => p === '/logs/'),
      server.schemaViolations.length,
    ]);
    await app.close();
    await server.stop();
  }
  console.log(`\nThroughput of one worker: ${RUNS} due runs created at once, poll 100ms, no-op method`);
  printTable(
    [
      'concurrency',
      'runs',
      'method calls',
      'seconds',
      'runs/s',
      'HTTP calls/run',
      'set_state/run',
      'polls/run',
      'log posts/run',
      'schema violations',
    ],
    rows,
  );
}

async function startDelay(): Promise<void> {
  const rows: Array<Array<string | number>> = [];
  for (const [label, prefect] of [
    ['poll 1s, prefetch 2s', { pollIntervalMs: 1_000, prefetchMs: 2_000 }],
    ['poll 1s, no prefetch', { pollIntervalMs: 1_000, prefetchMs: 0 }],
    ['defaults (poll 5s, prefetch 10s)', {}],
  ] as const) {
    const server = await startPrefectTestServer({ schedulerIntervalMs: 250 });
    const app = await boot(server, prefect);
    delays.length = 0;
    await wait(SECONDS * 1000);
    await app.close();
    await server.stop();
    rows.push([label, delays.length, percentile(delays, 50), percentile(delays, 99), Math.max(...delays)]);
  }
  console.log(`\nDelay from a scheduled run's time to the method starting, every 1s for ${SECONDS}s (ms)`);
  printTable(['worker settings', 'runs', 'p50 ms', 'p99 ms', 'max ms'], rows);
}

export async function run(): Promise<void> {
  await throughput();
  await startDelay();
}
