import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Injectable, Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { CloudTasksClient } from '@google-cloud/tasks';
import { grpc } from 'google-gax';
import { IsInt, IsString, Min } from 'class-validator';
import {
  HybridScheduler,
  HybridSchedulerModule,
  QueuedWorkflow,
  type CloudTasksProviderOptions,
  type JobEvent,
  type WorkflowContext,
} from 'nestjs-hybrid-scheduler';
import type { CloudTasksEmulator } from '../../support/cloud-tasks-emulator/index.js';

export const PROJECT = 'demo-project';
export const LOCATION = 'europe-west1';
export const SERVICE_ACCOUNT = 'scheduler@demo-project.iam.gserviceaccount.com';

export class InvoiceDto {
  @IsString() invoiceId!: string;
  @IsInt() @Min(1) amount!: number;
}

export interface Call {
  workflow: string;
  payload: unknown;
  ctx: WorkflowContext;
  at: number;
}

/** Workflows every test app declares; each records its calls so tests can assert what ran. */
@Injectable()
export class CloudWorkflows {
  readonly calls: Call[] = [];
  flakyFailures = 2;

  private record(workflow: string, payload: unknown, ctx: WorkflowContext): void {
    this.calls.push({ workflow, payload, ctx, at: Date.now() });
  }

  callsOf(workflow: string): Call[] {
    return this.calls.filter((c) => c.workflow === workflow);
  }

  @QueuedWorkflow({ name: 'send-email', attempts: 3 })
  send(payload: unknown, ctx: WorkflowContext): void {
    this.record('send-email', payload, ctx);
  }

  @QueuedWorkflow({ name: 'flaky', attempts: 4 })
  flaky(payload: unknown, ctx: WorkflowContext): void {
    this.record('flaky', payload, ctx);
    if (ctx.attempt <= this.flakyFailures) throw new Error(`flaky failure on attempt ${ctx.attempt}`);
  }

  @QueuedWorkflow({ name: 'doomed', attempts: 2 })
  doomed(payload: unknown, ctx: WorkflowContext): void {
    this.record('doomed', payload, ctx);
    throw new Error('always fails');
  }

  @QueuedWorkflow({ name: 'invoice', payload: InvoiceDto })
  invoice(payload: InvoiceDto, ctx: WorkflowContext): void {
    this.record('invoice', payload, ctx);
  }
}

/** A recurring workflow, declared only by the apps of the cron test. */
@Injectable()
export class TickWorkflows {
  readonly ticks: Array<{ scheduledAt: Date; jobKey: string }> = [];

  @QueuedWorkflow({ name: 'every-second', every: '1s' })
  tick(_payload: unknown, ctx: WorkflowContext): void {
    this.ticks.push({ scheduledAt: ctx.scheduledAt, jobKey: ctx.jobKey });
  }
}

export interface CloudApp {
  app: INestApplication;
  scheduler: HybridScheduler;
  workflows: CloudWorkflows;
  events: JobEvent[];
  publicUrl: string;
  options: CloudTasksProviderOptions;
  close(): Promise<void>;
}

export function cloudTasksOptions(
  emulator: CloudTasksEmulator,
  queue: string,
  publicUrl: string,
  extra: Partial<CloudTasksProviderOptions> = {},
): CloudTasksProviderOptions {
  return {
    projectId: PROJECT,
    location: LOCATION,
    queue,
    publicUrl,
    serviceAccountEmail: SERVICE_ACCOUNT,
    ensureQueue: true,
    emulator: { host: emulator.host, port: emulator.port },
    oidc: { certsUrl: emulator.certsUrl, issuers: [emulator.issuer] },
    ...extra,
  };
}

/**
 * A real Nest app on a real HTTP server: the server listens on port 0 first, so the app's public URL (which
 * goes into every task) is known before the module boots.
 */
export async function bootCloudApp(
  emulator: CloudTasksEmulator,
  queue: string,
  setup: {
    extra?: Partial<CloudTasksProviderOptions>;
    async?: boolean;
    providers?: Array<new (...args: never[]) => unknown>;
    fallback?: 'degrade' | 'fail';
  } = {},
): Promise<CloudApp> {
  const adapter = new ExpressAdapter();
  const server: Server = createServer(adapter.getInstance());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const publicUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const options = cloudTasksOptions(emulator, queue, publicUrl, setup.extra);
  const moduleOptions = {
    fallback: setup.fallback,
    queue: { provider: 'cloud-tasks' as const, cloudTasks: options },
  };
  const root: DynamicModule = setup.async
    ? HybridSchedulerModule.forRootAsync({ useFactory: async () => moduleOptions })
    : HybridSchedulerModule.forRoot(moduleOptions);

  @Module({ imports: [root], providers: setup.providers ?? [CloudWorkflows] })
  class AppModule {}

  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = moduleRef.createNestApplication(adapter, {
    logger: process.env.DEBUG_LOGS ? undefined : false,
  });
  const scheduler = app.get(HybridScheduler);
  const events: JobEvent[] = [];
  scheduler.onJobEvent((event) => events.push(event));
  try {
    await app.init();
  } catch (error) {
    await app.close().catch(() => undefined);
    server.closeAllConnections();
    server.close();
    throw error;
  }
  let closed = false;
  return {
    app,
    scheduler,
    workflows: (setup.providers ?? [CloudWorkflows]).includes(CloudWorkflows)
      ? app.get(CloudWorkflows)
      : (undefined as never),
    events,
    publicUrl,
    options,
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export function emulatorClient(emulator: CloudTasksEmulator): CloudTasksClient {
  return new CloudTasksClient({
    apiEndpoint: emulator.host,
    port: emulator.port,
    sslCreds: grpc.credentials.createInsecure(),
    universeDomain: 'googleapis.com',
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
