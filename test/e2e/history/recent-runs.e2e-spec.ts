import { Injectable, Module } from '@nestjs/common';
import {
  HybridSchedulerModule,
  InternalTask,
  InvalidArgumentError,
  JobNotFoundError,
  PrefectDeployment,
  QueuedWorkflow,
  type HybridSchedulerModuleOptions,
} from 'nestjs-hybrid-scheduler';
import { bootApp, waitFor, type BootedApp } from '../../support/nest-app.js';
import { startRedis, type PrivateRedis } from '../../support/redis.js';
import { startPrefectTestServer, type PrefectTestServer } from '../../support/prefect-server/index.js';
import { FAST } from '../prefect/prefect-app.js';

const PASSWORD = 'recentRunsRedisPass42';

@Injectable()
class Work {
  @QueuedWorkflow({ name: 'history-work', attempts: 2, backoff: { type: 'fixed', delayMs: 10 } })
  run(payload: { fail?: boolean }) {
    if (payload.fail) throw new Error(`refused with ${PASSWORD} in the message`);
  }

  @InternalTask({ name: 'history-tick', every: '1h' })
  tick() {}
}

const appOn = (queue: HybridSchedulerModuleOptions['queue'], providers = [Work]) => {
  @Module({ imports: [HybridSchedulerModule.forRoot({ queue })], providers })
  class RecentRunsApp {}
  return RecentRunsApp;
};

describe('HybridScheduler.recentRuns(): what the engine keeps of a job, whichever replica ran it', () => {
  describe('BullMQ on a private Redis: a producer-only app reads the runs a worker replica made', () => {
    let redis: PrivateRedis;
    let producer: BootedApp;
    let worker: BootedApp;

    beforeAll(async () => {
      redis = await startRedis({ password: PASSWORD });
      const bullmq = { connection: redis.url, prefix: 'recent' };
      worker = await bootApp(appOn({ roles: ['worker'], bullmq }));
      producer = await bootApp(appOn({ roles: ['producer'], bullmq }));
    }, 60_000);
    afterAll(async () => {
      await producer?.close();
      await worker?.close();
      await redis?.stop();
    });

    it('lists completed and failed jobs newest first, with attempts, times and the redacted error', async () => {
      const ok = await producer.scheduler.enqueueWorkflow('history-work', {});
      const bad = await producer.scheduler.enqueueWorkflow('history-work', { fail: true });
      await waitFor(
        () => worker.eventsOf('queue:history-work', 'dead-lettered').length === 1,
        15_000,
        'the failing job dead-lettered on the worker',
      );
      await waitFor(
        () => worker.eventsOf('queue:history-work', 'succeeded').length === 1,
        15_000,
        'the good job done on the worker',
      );
      // The producer ran nothing itself: everything below comes from Redis.
      expect(producer.eventsOf('queue:history-work')).toEqual([]);
      const history = await producer.scheduler.recentRuns('queue:history-work');
      expect(history.keptBy).toBe('bullmq');
      expect(history.notKept).toBeUndefined();
      expect(history.runs.map((r) => r.id).sort()).toEqual([ok.id, bad.id].sort());
      const failed = history.runs.find((r) => r.id === bad.id)!;
      expect(failed).toMatchObject({ status: 'failed', attempts: 2 });
      expect(failed.error).toContain('refused with');
      expect(failed.error).not.toContain(PASSWORD);
      expect(failed.stack ?? '').not.toContain(PASSWORD);
      const done = history.runs.find((r) => r.id === ok.id)!;
      expect(done).toMatchObject({ status: 'succeeded', attempts: 1 });
      expect(done.startedAt).toBeInstanceOf(Date);
      expect(done.finishedAt!.getTime()).toBeGreaterThanOrEqual(done.startedAt!.getTime());
      expect(done.durationMs).toBe(done.finishedAt!.getTime() - done.startedAt!.getTime());
      const finished = history.runs.map((r) => r.finishedAt!.getTime());
      expect(finished).toEqual([...finished].sort((a, b) => b - a));
    });

    it('takes a limit (newest kept), and refuses a bad one naming the argument', async () => {
      for (let i = 0; i < 3; i++) await producer.scheduler.enqueueWorkflow('history-work', {});
      await waitFor(
        () => worker.eventsOf('queue:history-work', 'succeeded').length === 4,
        15_000,
        'three more jobs done',
      );
      const all = await producer.scheduler.recentRuns('queue:history-work', { limit: 50 });
      expect(all.runs).toHaveLength(5);
      const two = await producer.scheduler.recentRuns('queue:history-work', { limit: 2 });
      expect(two.runs.map((r) => r.id)).toEqual(all.runs.slice(0, 2).map((r) => r.id));
      for (const limit of [0, 1.5, 201, Number.NaN])
        await expect(producer.scheduler.recentRuns('queue:history-work', { limit })).rejects.toThrow(
          InvalidArgumentError,
        );
      await expect(producer.scheduler.recentRuns('queue:history-work', { limit: 0 })).rejects.toThrow(
        /recentRuns.*options\.limit/,
      );
    });

    it('answers for an internal task that nothing outside the process keeps its runs; an unknown id throws', async () => {
      const internal = await producer.scheduler.recentRuns('internal:history-tick');
      expect(internal).toMatchObject({ jobId: 'internal:history-tick', keptBy: null, runs: [] });
      expect(internal.notKept).toMatch(/internal tier/);
      await expect(producer.scheduler.recentRuns('queue:no-such-workflow')).rejects.toThrow(JobNotFoundError);
    });
  });

  it('on the in-process memory engine: no runs, and the reason', async () => {
    const app = await bootApp(appOn(undefined));
    try {
      await app.scheduler.enqueueWorkflow('history-work', {});
      await waitFor(() => app.eventsOf('queue:history-work', 'succeeded').length === 1, 5000, 'the run');
      const history = await app.scheduler.recentRuns('queue:history-work');
      expect(history).toMatchObject({ keptBy: null, runs: [] });
      expect(history.notKept).toMatch(/memory engine keeps no finished jobs/);
    } finally {
      await app.close();
    }
  });

  describe('Prefect: the flow runs of the deployment, from the API', () => {
    let server: PrefectTestServer;
    let app: BootedApp;

    @Injectable()
    class Flows {
      @PrefectDeployment({ flow: 'history-flow', name: 'prod' })
      run(parameters: { fail?: boolean }) {
        if (parameters.fail) throw new Error('flow refused');
      }
    }

    beforeAll(async () => {
      server = await startPrefectTestServer();
      @Module({
        imports: [
          HybridSchedulerModule.forRoot({
            queue: { enabled: false },
            prefect: { ...FAST, apiUrl: server.url },
          }),
        ],
        providers: [Flows],
      })
      class PrefectHistoryApp {}
      app = await bootApp(PrefectHistoryApp);
    }, 30_000);
    afterAll(async () => {
      await app?.close();
      await server?.stop();
    });

    it('lists the started flow runs newest first with state, run count and the failure message; not the scheduled ones', async () => {
      const ok = await app.scheduler.runDeployment('history-flow/prod', {});
      const bad = await app.scheduler.runDeployment('history-flow/prod', { fail: true });
      const later = await app.scheduler.runDeployment(
        'history-flow/prod',
        {},
        {
          scheduledAt: new Date(Date.now() + 3_600_000),
        },
      );
      const final = (id: string) => server.flowRuns().find((r) => r.id === id)?.state?.type;
      await waitFor(
        () =>
          ['COMPLETED', 'FAILED'].includes(final(ok.flowRunId) ?? '') && final(bad.flowRunId) === 'FAILED',
        15_000,
        'both flow runs final',
      );
      const history = await app.scheduler.recentRuns('prefect:history-flow/prod');
      expect(history.keptBy).toBe('prefect');
      const ids = history.runs.map((r) => r.id);
      expect(ids.sort()).toEqual([ok.flowRunId, bad.flowRunId].sort());
      expect(ids).not.toContain(later.flowRunId);
      expect(history.runs.find((r) => r.id === ok.flowRunId)).toMatchObject({
        status: 'succeeded',
        state: 'Completed',
        attempts: 1,
      });
      const failed = history.runs.find((r) => r.id === bad.flowRunId)!;
      expect(failed.status).toBe('failed');
      expect(failed.error).toContain('flow refused');
      const started = history.runs.map((r) => r.startedAt!.getTime());
      expect(started).toEqual([...started].sort((a, b) => b - a));
    });
  });
});
