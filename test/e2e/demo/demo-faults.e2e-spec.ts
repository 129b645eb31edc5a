import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { HybridSchedulerError, TierUnavailableError } from 'nestjs-hybrid-scheduler';
import { AppModule } from '../../../apps/demo/app.module.js';
import { statusOf } from '../../../apps/demo/scheduler-error.filter.js';
import { waitFor } from '../../support/nest-app.js';
import { startRedis, type PrivateRedis } from '../../support/redis.js';
import { freePort } from '../../support/server-process.js';
import { runToExit } from '../../support/run-to-exit.js';
import { LogCapture } from './log-capture.js';

const ENGINE_ENV = /^(HYBRID_SCHEDULER_|PREFECT_)|^(REDIS|AMQP|NATS)_URL$/;

/** Boots the demo's AppModule with the environment a user would set, logging into `logs`. */
async function bootDemo(env: Record<string, string>, logs: LogCapture): Promise<INestApplication> {
  for (const key of Object.keys(process.env)) if (ENGINE_ENV.test(key)) delete process.env[key];
  Object.assign(process.env, env);
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: logs });
  await app.init();
  return app;
}

describe('demo app: faults a user runs into', () => {
  const saved = { ...process.env };
  afterAll(() => {
    process.env = saved;
  });

  describe('on embedded defaults', () => {
    let app: INestApplication;
    const logs = new LogCapture();
    beforeAll(async () => {
      app = await bootDemo({}, logs);
    });
    afterAll(() => app.close());

    it('maps the typed errors: unknown ids 404, bad input 400, an unavailable tier 503', async () => {
      const server = app.getHttpServer();
      const retry = await request(server).post('/workflows/dead-letters/queue%3Areport-export%3Anope/retry');
      expect([retry.status, retry.body.error]).toEqual([404, 'DeadLetterNotFoundError']);
      const unknown = await request(server).post('/workflows/nope').send({});
      expect([unknown.status, unknown.body.error]).toEqual([404, 'WorkflowNotFoundError']);
      const invalid = await request(server)
        .post('/workflows/report-export')
        .send({ report: 'x', format: 'pdf' });
      expect([invalid.status, invalid.body.error]).toEqual([400, 'PayloadValidationError']);
      expect(invalid.body.message).toContain('format');
      expect(statusOf(new TierUnavailableError('the queue tier is down'))).toBe(503);
      class InvalidArgumentError extends HybridSchedulerError {}
      class ScheduleNotFoundError extends HybridSchedulerError {}
      expect([statusOf(new InvalidArgumentError('x')), statusOf(new ScheduleNotFoundError('y'))]).toEqual([
        400, 404,
      ]);
      expect(statusOf(new HybridSchedulerError('z'))).toBe(500);
    });

    it('logs each retry at the default level, then the dead letter', async () => {
      const { body } = await request(app.getHttpServer())
        .post('/workflows/report-export')
        .send({ report: 'sales', format: 'csv', simulateOutage: true })
        .expect(202);
      await waitFor(() => logs.matching(/dead-lettered/).length > 0, 10_000, 'the dead letter');
      const retries = logs.matching(
        /^WARN \[JobEvents\] .*attempt \d failed \(transient: report store unavailable/,
      );
      expect(retries.map((line) => /attempt (\d)/.exec(line)![1])).toEqual(['1', '2']);
      expect(retries[0]).toContain(body.id);
    });
  });

  describe('on BullMQ (private redis-server)', () => {
    let redis: PrivateRedis;
    let app: INestApplication;
    const logs = new LogCapture();
    beforeAll(async () => {
      redis = await startRedis();
      app = await bootDemo({ REDIS_URL: redis.url }, logs);
    });
    afterAll(async () => {
      await app?.close();
      await redis?.stop();
    });

    it('reports the queue tier up at boot, never degraded while it was still starting', async () => {
      await waitFor(() => logs.matching(/queue tier is/).length > 0, 10_000, 'the first health check');
      expect(logs.matching(/\[internal:health-check\]/)).toEqual([
        'LOG [internal:health-check] internal tier is up',
        'LOG [internal:health-check] queue tier is up',
        'LOG [internal:health-check] prefect tier is not configured',
      ]);
    });
  });

  it('exits 1 printing the reason when a tier is down with fallback "fail" (no unhandled rejection)', async () => {
    const port = await freePort();
    const result = await runToExit('dist/apps/demo/main.js', {
      HYBRID_SCHEDULER_FALLBACK: 'fail',
      REDIS_URL: `redis://127.0.0.1:${port}`,
      PORT: '0',
    });
    const output = result.stdout + result.stderr;
    expect(result.code).toBe(1);
    expect(output).toMatch(/The demo could not start: TierUnavailableError: .*127\.0\.0\.1:\d+.*unreachable/);
    expect(output).not.toMatch(/Unhandled|^\s+at /m);
  });
});
