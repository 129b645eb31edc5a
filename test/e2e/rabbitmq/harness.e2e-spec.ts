import { Connection } from 'rabbitmq-client';
import { startRabbitMq, type PrivateRabbitMq } from '../../support/rabbitmq.js';

describe('private RabbitMQ node (test harness)', () => {
  let node: PrivateRabbitMq;
  beforeAll(async () => {
    const t = Date.now();
    node = await startRabbitMq();
    console.log(`boot ${Date.now() - t}ms`);
  }, 90_000);
  afterAll(() => node?.stop());

  it('keeps a durable queue and a persistent message across a restart', async () => {
    const c1 = new Connection({ url: node.url, retryLow: 100, retryHigh: 500 });
    c1.on('error', () => undefined);
    await c1.queueDeclare({ queue: 'q', durable: true });
    const pub = c1.createPublisher({ confirm: true });
    await pub.send({ routingKey: 'q', durable: true }, { a: 1 });
    await pub.close();
    const t = Date.now();
    await node.restart();
    console.log(`restart ${Date.now() - t}ms`);
    await c1.onConnect(30_000);
    const msg = await c1.basicGet({ queue: 'q', noAck: true });
    expect(msg?.body).toEqual({ a: 1 });
    await c1.close();
  }, 90_000);
});
