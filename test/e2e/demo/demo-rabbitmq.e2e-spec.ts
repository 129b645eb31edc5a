import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../../../apps/demo/app.module.js';
import { startRabbitMq, type PrivateRabbitMq } from '../../support/rabbitmq.js';

/** The demo with AMQP_URL: its workflows run on RabbitMQ. */
describe('demo app with AMQP_URL', () => {
  let app: INestApplication;
  let node: PrivateRabbitMq;
  const saved = { ...process.env };

  beforeAll(async () => {
    node = await startRabbitMq();
    for (const key of Object.keys(process.env)) {
      if (key.startsWith('HYBRID_SCHEDULER_') || key === 'REDIS_URL' || key.startsWith('PREFECT_'))
        delete process.env[key];
    }
    process.env.AMQP_URL = node.url;
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  }, 90_000);
  afterAll(async () => {
    await app?.close();
    process.env = saved;
    await node?.stop();
  });

  it('enqueues on rabbitmq, dead-letters a failing export and retries it; health names the address, not the password', async () => {
    const server = app.getHttpServer();
    const ok = await request(server)
      .post('/workflows/report-export')
      .send({ report: 'sales', format: 'csv' });
    expect(ok.status).toBe(202);
    expect(ok.body).toMatchObject({ provider: 'rabbitmq', workflow: 'report-export', created: true });

    await request(server)
      .post('/workflows/report-export')
      .send({ report: 'sales', format: 'csv', simulateOutage: true })
      .expect(202);
    const deadline = Date.now() + 10_000;
    let letters: Array<{ id: string; attempts: number }> = [];
    while (letters.length === 0 && Date.now() < deadline) {
      letters = (await request(server).get('/workflows/report-export/dead-letters')).body;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(letters).toHaveLength(1);
    expect(letters[0].attempts).toBe(3);

    const { body } = await request(server).get('/health');
    const queue = JSON.stringify(body.details['scheduler-queue']);
    expect(queue).toContain(`127.0.0.1:${node.port}`);
    expect(queue).not.toContain('guest:guest');
    expect(body.details['scheduler-queue'].status).toBe('up');
  }, 30_000);
});
