import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../../../apps/demo/app.module.js';

/** The demo as a newcomer runs it: embedded defaults, no Redis, no Prefect. */
describe('demo app on embedded defaults', () => {
  let app: INestApplication;
  const saved = { ...process.env };

  beforeAll(async () => {
    for (const key of Object.keys(process.env)) {
      if (
        key.startsWith('HYBRID_SCHEDULER_') ||
        key === 'REDIS_URL' ||
        key === 'AMQP_URL' ||
        key.startsWith('PREFECT_')
      )
        delete process.env[key];
    }
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });
  afterAll(async () => {
    await app.close();
    process.env = saved;
  });

  it('lists the maintenance jobs', async () => {
    const { body } = await request(app.getHttpServer()).get('/jobs').expect(200);
    const ids = (body as Array<{ id: string }>).map((job) => job.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'internal:health-check',
        'internal:metrics-collection',
        'internal:cache-cleanup',
        'internal:secret-rotation-check',
      ]),
    );
  });

  it('triggers, pauses and resumes a job over HTTP', async () => {
    const server = app.getHttpServer();
    await request(server)
      .post('/jobs/internal%3Ametrics-collection/trigger')
      .expect(200, { jobId: 'internal:metrics-collection', status: 'succeeded' });
    const metrics = await request(server).get('/jobs/metrics').expect(200);
    expect(metrics.body.jobs.total).toBeGreaterThanOrEqual(4);
    expect(metrics.body.rssMb).toBeGreaterThan(0);
    expect((await request(server).post('/jobs/internal%3Acache-cleanup/pause').expect(200)).body.paused).toBe(
      true,
    );
    expect(
      (await request(server).post('/jobs/internal%3Acache-cleanup/resume').expect(200)).body.paused,
    ).toBe(false);
  });

  it('answers 404 with the typed error for an unknown job', async () => {
    const { body } = await request(app.getHttpServer()).post('/jobs/internal%3Anope/trigger').expect(404);
    expect(body.error).toBe('JobNotFoundError');
  });

  it('reports health per tier, prefect as not configured', async () => {
    const { body } = await request(app.getHttpServer()).get('/health');
    expect(body.details['scheduler-internal'].status).toBe('up');
    expect(body.details['scheduler-prefect']).toMatchObject({ status: 'up', configured: false });
  });

  it('serves the scheduler metrics for Prometheus at GET /metrics', async () => {
    const server = app.getHttpServer();
    await request(server).post('/jobs/internal%3Ametrics-collection/trigger').expect(200);
    const res = await request(server).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toMatch(
      /^hybrid_scheduler_runs_total\{tier="internal",job="metrics-collection",status="succeeded"\} [1-9]/m,
    );
    expect(res.text).toMatch(/^hybrid_scheduler_tier_status\{tier="internal"\} 1$/m);
  });
});
