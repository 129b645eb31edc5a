import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../../../apps/demo/app.module.js';
import { queuesBoardModules } from '../../../apps/demo/queues/queues-board.js';
import { waitFor } from '../../support/nest-app.js';
import { startRedis, type PrivateRedis } from '../../support/redis.js';

type BoardQueues = { queues: Array<{ name: string; counts: Record<string, number> }> };

/** The demo with REDIS_URL: bull-board at /queues shows the workflows' BullMQ queues. */
describe('demo app on BullMQ: bull-board at /queues', () => {
  const saved = { ...process.env };
  let redis: PrivateRedis;
  let app: INestApplication;
  beforeAll(async () => {
    redis = await startRedis();
    for (const key of Object.keys(process.env))
      if (/^(HYBRID_SCHEDULER_|PREFECT_)|^(REDIS_URL|AMQP_URL|NATS_URL)$/.test(key)) delete process.env[key];
    process.env.REDIS_URL = redis.url;
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule, ...(await queuesBoardModules())],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    await redis?.stop();
    process.env = saved;
  });

  it('lists both workflow queues, and a job enqueued over HTTP shows in its counts', async () => {
    const server = app.getHttpServer();
    const first = await request(server).get('/queues/api/queues').expect(200);
    expect((first.body as BoardQueues).queues.map((queue) => queue.name).sort()).toEqual([
      'database-backup',
      'report-export',
    ]);
    await request(server)
      .post('/workflows/report-export')
      .send({ report: 'sales', format: 'csv' })
      .expect(202);
    await waitFor(
      async () => {
        const { body } = await request(server).get('/queues/api/queues');
        return (body as BoardQueues).queues.find((q) => q.name === 'report-export')!.counts.completed === 1;
      },
      10_000,
      'the completed job in bull-board',
    );
    const page = await request(server).get('/queues').expect(200);
    expect(page.text).toContain('<html');
  });

  it('without REDIS_URL adds nothing', async () => {
    expect(await queuesBoardModules({})).toEqual([]);
  });
});
