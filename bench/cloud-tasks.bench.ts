// Cloud Tasks provider benchmarks, against the in-repo emulator (same process, 127.0.0.1):
//  1. enqueue rate: HybridScheduler.enqueueWorkflow vs the raw client.createTask building the same task
//     (named, OIDC, JSON body), on a paused queue so dispatch does not compete; ratio lib/raw.
//  2. push handling: the library's endpoint (OIDC verify, envelope, DTO-less run through the TaskRunner) vs a
//     bare Nest route that verifies the same token with google-auth-library and calls the same method.
// BENCH_CLOUD_TASKS_N (default 1000) sets the number of tasks/requests per round.
import 'reflect-metadata';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  Controller,
  Headers,
  Injectable,
  Module,
  Param,
  Post,
  UnauthorizedException,
  type INestApplication,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { CloudTasksClient } from '@google-cloud/tasks';
import { OAuth2Client } from 'google-auth-library';
import { grpc } from 'google-gax';
import { HybridScheduler, HybridSchedulerModule, QueuedWorkflow } from 'nestjs-hybrid-scheduler';
import {
  startCloudTasksEmulator,
  type CloudTasksEmulator,
} from '../test/support/cloud-tasks-emulator/index.js';
import { median, percentile, printTable } from './stats.js';

const N = Number(process.env.BENCH_CLOUD_TASKS_N ?? 1000);
const CONCURRENCY = 20;
const SA = 'bench@bench.iam.gserviceaccount.com';
const PROJECT = 'bench';
const LOCATION = 'local';

let runs = 0;
@Injectable()
class BenchWorkflows {
  @QueuedWorkflow({ name: 'bench', attempts: 3 })
  handle(payload: { i: number }): number {
    runs++;
    return payload.i;
  }
}

async function pool(
  count: number,
  concurrency: number,
  work: (i: number) => Promise<void>,
): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const started = performance.now();
        await work(i);
        latencies.push(performance.now() - started);
      }
    }),
  );
  return latencies;
}

async function bootApp(
  emulator: CloudTasksEmulator,
  queue: string,
  extraControllers: Array<new (...args: never[]) => unknown> = [],
) {
  const adapter = new ExpressAdapter();
  const server = createServer(adapter.getInstance());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const publicUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const cloudTasks = {
    projectId: PROJECT,
    location: LOCATION,
    queue,
    publicUrl,
    serviceAccountEmail: SA,
    ensureQueue: true,
    emulator: { host: emulator.host, port: emulator.port },
    oidc: { certsUrl: emulator.certsUrl, issuers: [emulator.issuer] },
  };
  @Module({
    imports: [HybridSchedulerModule.forRoot({ queue: { provider: 'cloud-tasks', cloudTasks } })],
    providers: [BenchWorkflows],
    controllers: extraControllers,
  })
  class BenchModule {}
  const app: INestApplication = await NestFactory.create(BenchModule, adapter, { logger: false });
  await app.init();
  return {
    app,
    publicUrl,
    close: async () => {
      await app.close();
      server.closeAllConnections();
      server.close();
    },
  };
}

async function enqueueRate(emulator: CloudTasksEmulator): Promise<void> {
  const { app, publicUrl, close } = await bootApp(emulator, 'enqueue');
  const queuePath = emulator.queuePath(PROJECT, LOCATION, 'enqueue');
  emulator.createQueue(queuePath, { paused: true });
  const scheduler = app.get(HybridScheduler);
  const client = new CloudTasksClient({
    apiEndpoint: emulator.host,
    port: emulator.port,
    sslCreds: grpc.credentials.createInsecure(),
    universeDomain: 'googleapis.com',
  });
  const raw = async (i: number) => {
    const body = Buffer.from(
      JSON.stringify({ workflow: 'bench', payload: { i }, enqueuedAt: new Date().toISOString() }),
    );
    await client.createTask({
      parent: queuePath,
      task: {
        name: `${queuePath}/tasks/${randomBytes(20).toString('hex')}`,
        httpRequest: {
          httpMethod: 'POST',
          url: `${publicUrl}/hybrid-scheduler/cloud-tasks/bench`,
          headers: { 'Content-Type': 'application/json' },
          body,
          oidcToken: { serviceAccountEmail: SA, audience: `${publicUrl}/hybrid-scheduler/cloud-tasks` },
        },
      },
    });
  };
  const lib = async (i: number) => void (await scheduler.enqueueWorkflow('bench', { i }));
  await pool(100, CONCURRENCY, raw); // warm-up both paths
  await pool(100, CONCURRENCY, lib);
  const rates: Record<string, number[]> = { 'client.createTask': [], enqueueWorkflow: [] };
  const lat: Record<string, number[]> = { 'client.createTask': [], enqueueWorkflow: [] };
  for (let round = 0; round < 3; round++) {
    for (const [name, work] of [
      ['client.createTask', raw],
      ['enqueueWorkflow', lib],
    ] as const) {
      const started = performance.now();
      lat[name].push(...(await pool(N, CONCURRENCY, work)));
      rates[name].push(N / ((performance.now() - started) / 1000));
    }
  }
  const rawRate = median(rates['client.createTask']);
  printTable(
    ['enqueue (paused queue)', 'tasks/s (median of 3)', 'p50 ms', 'p99 ms', 'vs raw'],
    Object.keys(rates).map((name) => [
      name,
      median(rates[name]),
      median(lat[name]),
      percentile(lat[name], 99),
      `${(median(rates[name]) / rawRate).toFixed(2)}x`,
    ]),
  );
  await client.close();
  await close();
}

async function pushOverhead(emulator: CloudTasksEmulator): Promise<void> {
  const verifier = new OAuth2Client({
    endpoints: { oauth2FederatedSignonPemCertsUrl: emulator.certsUrl },
    issuers: [emulator.issuer],
  });
  let audience = '';
  // The same work without the library: verify the token, check the account, call the method.
  @Controller('bare')
  class BareController {
    constructor(private readonly workflows: BenchWorkflows) {}
    @Post(':workflow')
    async push(
      @Param('workflow') _workflow: string,
      @Headers('authorization') auth: string | undefined,
      @Headers() _h: unknown,
    ): Promise<string> {
      const ticket = await verifier
        .verifyIdToken({ idToken: (auth ?? '').replace(/^Bearer /, ''), audience })
        .catch(() => undefined);
      const payload = ticket?.getPayload();
      if (!payload || payload.email !== SA || !payload.email_verified) throw new UnauthorizedException();
      this.workflows.handle({ i: 1 });
      return 'OK';
    }
  }
  const { publicUrl, close } = await bootApp(emulator, 'push', [BareController]);
  audience = `${publicUrl}/hybrid-scheduler/cloud-tasks`;
  const token = emulator.signToken(SA, audience);
  const body = JSON.stringify({ workflow: 'bench', payload: { i: 1 }, enqueuedAt: new Date().toISOString() });
  const send = (url: string) => async (i: number) => {
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        'x-cloudtasks-taskname': `t${i}`,
        'x-cloudtasks-taskretrycount': '0',
      },
    });
    await response.arrayBuffer();
    if (response.status >= 300) throw new Error(`${url} answered ${response.status}`);
  };
  const targets = {
    'bare Nest route': send(`${publicUrl}/bare/bench`),
    'push endpoint': send(`${publicUrl}/hybrid-scheduler/cloud-tasks/bench`),
  };
  for (const work of Object.values(targets)) await pool(100, 10, work);
  const rates: Record<string, number[]> = { 'bare Nest route': [], 'push endpoint': [] };
  const lat: Record<string, number[]> = { 'bare Nest route': [], 'push endpoint': [] };
  runs = 0;
  for (let round = 0; round < 3; round++) {
    for (const [name, work] of Object.entries(targets)) {
      const started = performance.now();
      lat[name].push(...(await pool(N, 10, work)));
      rates[name].push(N / ((performance.now() - started) / 1000));
    }
  }
  if (runs !== 6 * N) throw new Error(`expected ${6 * N} method calls, got ${runs}`);
  const bare = median(rates['bare Nest route']);
  printTable(
    ['push handling (10 concurrent)', 'req/s (median of 3)', 'p50 ms', 'p99 ms', 'vs bare'],
    Object.keys(rates).map((name) => [
      name,
      median(rates[name]),
      median(lat[name]),
      percentile(lat[name], 99),
      `${(median(rates[name]) / bare).toFixed(2)}x`,
    ]),
  );
  await close();
}

export async function run(): Promise<void> {
  const emulator = await startCloudTasksEmulator();
  try {
    await enqueueRate(emulator);
    console.log('');
    await pushOverhead(emulator);
  } finally {
    await emulator.stop();
  }
}
