import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { BullModule, InjectQueue, Processor, WorkerHost, getSharedConfigToken } from '@nestjs/bullmq';
import { Cron, ScheduleModule } from '@nestjs/schedule';
import type { Job, Queue } from 'bullmq';
import request from 'supertest';
import {
  AdoptedJobControlError,
  BullModuleConnectionError,
  HybridSchedulerModule,
  QueuedWorkflow,
} from 'nestjs-hybrid-scheduler';
import { HybridSchedulerDashboardModule } from 'nestjs-hybrid-scheduler/dashboard';
import { BULL_MODULE_CONFIG_TOKEN } from '../../../libs/hybrid-scheduler/src/adopt/bull-module-connection.js';
import { bootApp, sleep, waitFor, type BootedApp } from '../../support/nest-app.js';
import { startRedis, type PrivateRedis } from '../../support/redis.js';
import { LogCapture } from '../demo/log-capture.js';

@Injectable()
class Jobs {
  ticks = 0;
  sent: string[] = [];
  @Cron('* * * * * *', { name: 'legacy-tick' })
  tick() {
    this.ticks++;
  }
  @QueuedWorkflow({ name: 'send-email' })
  send(payload: { to: string }) {
    this.sent.push(payload.to);
  }
}

/** A queue the app consumes itself, the @nestjs/bullmq way. */
@Processor('legacy-reports')
class LegacyReports extends WorkerHost {
  done: string[] = [];
  async process(job: Job<{ id: string }>) {
    this.done.push(job.data.id);
  }
}

@Injectable()
class Producers {
  constructor(
    @InjectQueue('send-email') readonly email: Queue,
    @InjectQueue('legacy-reports') readonly reports: Queue,
  ) {}
}

/**
 * bull-board's packages are CommonJS requiring ESM @nestjs/common; loaded statically beside it, Jest's ESM
 * loader sees a require(esm) cycle (plain Node does not), so they are imported once the test has started.
 */
const bullBoard = async () => {
  // One after the other: parallel import()s can leave @nestjs/bull-shared half-loaded for bull-board's require.
  const { BullBoardModule } = await import('@bull-board/nestjs');
  const { ExpressAdapter } = await import('@bull-board/express');
  const { BullMQAdapter } = await import('@bull-board/api/bullMQAdapter');
  return [
    BullBoardModule.forRoot({ route: '/queues', adapter: ExpressAdapter }),
    BullBoardModule.forFeature({ name: 'send-email', adapter: BullMQAdapter }),
  ];
};

const appWith = async (redis: PrivateRedis) => {
  const board = await bullBoard();
  @Module({
    imports: [
      ScheduleModule.forRoot(),
      BullModule.forRootAsync({
        useFactory: async () => ({ connection: { host: '127.0.0.1', port: redis.port }, prefix: 'legacy' }),
      }),
      BullModule.registerQueue({ name: 'send-email' }, { name: 'legacy-reports' }),
      ...board,
      HybridSchedulerModule.forRoot({
        fallback: 'fail',
        queue: { bullmq: { connection: 'from-bull-module' } },
      }),
      HybridSchedulerDashboardModule.forRoot({ path: '/scheduler' }),
    ],
    providers: [Jobs, LegacyReports, Producers],
  })
  class AdoptingApp {}
  return AdoptingApp;
};

describe('@nestjs/schedule 12 + @nestjs/bullmq 12 + bull-board beside the hybrid module, on a private Redis', () => {
  let redis: PrivateRedis;
  let booted: BootedApp;
  beforeAll(async () => {
    redis = await startRedis();
    booted = await bootApp(await appWith(redis));
  });
  afterAll(async () => {
    await booted?.close();
    await redis?.stop();
  });

  it("takes BullModule.forRootAsync()'s connection and prefix: a job added with @InjectQueue runs the @QueuedWorkflow", async () => {
    expect(BULL_MODULE_CONFIG_TOKEN).toBe(getSharedConfigToken());
    const { email } = booted.app.get(Producers);
    expect(email.qualifiedName).toBe('legacy:send-email');
    await email.add('welcome', { to: 'ada@example.com' });
    const jobs = booted.app.get(Jobs);
    await waitFor(
      () => jobs.sent.includes('ada@example.com'),
      5000,
      'the workflow to run the injected-queue job',
    );
    const workflow = await booted.scheduler.getJob('queue:send-email');
    expect(workflow).toMatchObject({ source: 'Jobs.send', tier: 'queue' });
  });

  it('lists @nestjs/schedule jobs and @Processor queues (read-only, with counts) beside our own', async () => {
    const { reports } = booted.app.get(Producers);
    await reports.add('daily', { id: 'r1' });
    await reports.add('daily', { id: 'r2' });
    const processor = booted.app.get(LegacyReports);
    await waitFor(() => processor.done.length === 2, 5000, 'the @Processor to consume its jobs');

    const list = await booted.scheduler.listJobs();
    expect(list.map((job) => `${job.id} ${job.source}`).sort()).toEqual([
      'internal:legacy-tick @nestjs/schedule',
      'queue:legacy-reports @nestjs/bullmq',
      'queue:send-email Jobs.send',
    ]);
    const legacy = list.find((job) => job.id === 'queue:legacy-reports')!;
    expect(legacy).toMatchObject({ tier: 'queue', schedule: 'on demand', paused: false, running: 0 });
    expect(legacy.details).toMatchObject({
      processor: 'LegacyReports',
      readOnly: true,
      completed: 2,
      waiting: 0,
    });
    await expect(booted.scheduler.pause('queue:legacy-reports')).rejects.toThrow(AdoptedJobControlError);
    await expect(booted.scheduler.trigger('queue:legacy-reports')).rejects.toThrow(
      'trigger("queue:legacy-reports") is not available: the queue is consumed by LegacyReports @Processor',
    );
  });

  it('controls the @Cron job: paused it does not fire, resumed it fires, triggered it runs now', async () => {
    const jobs = booted.app.get(Jobs);
    await booted.scheduler.pause('internal:legacy-tick');
    const before = jobs.ticks;
    await sleep(1500);
    expect(jobs.ticks).toBe(before);
    await booted.scheduler.resume('internal:legacy-tick');
    await waitFor(() => jobs.ticks > before, 2500, 'a tick after resume');
    await booted.scheduler.pause('internal:legacy-tick');
    const paused = jobs.ticks;
    expect((await booted.scheduler.trigger('internal:legacy-tick')).status).toBe('succeeded');
    expect(jobs.ticks).toBe(paused + 1);
  });

  it('shows our workflow queue in bull-board (mounted at /queues)', async () => {
    const response = await request(booted.app.getHttpServer()).get('/queues/api/queues').expect(200);
    const queues = (response.body as { queues: Array<{ name: string; counts: Record<string, number> }> })
      .queues;
    expect(queues.map((queue) => queue.name)).toEqual(['send-email']);
    expect(queues[0].counts.completed).toBeGreaterThanOrEqual(1);
  });

  it('shows the adopted jobs in the dashboard, each with its own page', async () => {
    const server = booted.app.getHttpServer();
    const overview = await request(server).get('/scheduler/api/overview').expect(200);
    const ids = (overview.body as { jobs: Array<{ id: string }> }).jobs.map((job) => job.id);
    expect(ids).toEqual(expect.arrayContaining(['internal:legacy-tick', 'queue:legacy-reports']));
    const cron = await request(server).get('/scheduler/api/jobs/internal%3Alegacy-tick').expect(200);
    expect(cron.body.job).toMatchObject({ id: 'internal:legacy-tick', source: '@nestjs/schedule' });
    const queue = await request(server).get('/scheduler/api/jobs/queue%3Alegacy-reports').expect(200);
    expect(queue.body).toMatchObject({ job: { id: 'queue:legacy-reports' }, deadLetters: null });
  });

  it("warns at boot when a BullModule queue named like a workflow is not the workflow's queue (other prefix)", async () => {
    @Module({
      imports: [
        BullModule.forRoot({ connection: { host: '127.0.0.1', port: redis.port }, prefix: 'other' }),
        BullModule.registerQueue({ name: 'send-email' }),
        HybridSchedulerModule.forRoot({ fallback: 'fail', queue: { bullmq: { connection: redis.url } } }),
      ],
      providers: [Jobs],
    })
    class MismatchedApp {}
    const logs = new LogCapture();
    const moduleRef = await Test.createTestingModule({ imports: [MismatchedApp] }).compile();
    const app = moduleRef.createNestApplication({ logger: logs });
    await app.init();
    await app.close();
    expect(logs.matching(/InjectQueue/)).toEqual([
      `WARN [HybridScheduler:Adopt] jobs added with @InjectQueue('send-email') (BullModule's queue "other:send-email") ` +
        `never run workflow "send-email", whose queue is "hybrid:send-email": set queue.bullmq.connection: ` +
        `'from-bull-module', or the same prefix in BullModule.forRoot() and queue.bullmq.prefix`,
    ]);
  });

  it("with 'from-bull-module' and its own prefix, the warning points at the prefix (the connection is already BullModule's)", async () => {
    @Module({
      imports: [
        BullModule.forRoot({ connection: { host: '127.0.0.1', port: redis.port } }),
        BullModule.registerQueue({ name: 'send-email' }),
        HybridSchedulerModule.forRoot({
          fallback: 'fail',
          queue: { bullmq: { connection: 'from-bull-module', prefix: 'other' } },
        }),
      ],
      providers: [Jobs],
    })
    class PrefixedApp {}
    const logs = new LogCapture();
    const moduleRef = await Test.createTestingModule({ imports: [PrefixedApp] }).compile();
    const app = moduleRef.createNestApplication({ logger: logs });
    await app.init();
    await app.close();
    const [line] = logs.matching(/InjectQueue/);
    expect(line).toMatch(
      /whose queue is "other:send-email": give BullModule and queue\.bullmq\.prefix the same prefix/,
    );
    expect(line).not.toMatch(/set queue\.bullmq\.connection/);
  });

  it("fails boot naming the option when 'from-bull-module' has no BullModule.forRoot() to take it from", async () => {
    const compiled = Test.createTestingModule({
      imports: [HybridSchedulerModule.forRoot({ queue: { bullmq: { connection: 'from-bull-module' } } })],
    }).compile();
    await expect(compiled).rejects.toThrow(BullModuleConnectionError);
    await expect(
      Test.createTestingModule({
        imports: [HybridSchedulerModule.forRoot({ queue: { bullmq: { connection: 'from-bull-module' } } })],
      }).compile(),
    ).rejects.toThrow("queue.bullmq.connection: 'from-bull-module' needs BullModule.forRoot()");
  });
});
