// CPU profile of one side of the RabbitMQ path (evidence for docs/queue.md, RabbitMQ):
//   npm run build && node dist/bench/profile/rabbitmq-profile.js consume|produce ours|raw [jobs] [concurrency] [out]
// consume: fills a private node's queue with `jobs` plain JSON messages (a raw confirming publisher, as a plain
// producer would; the same queue arguments on both sides), then boots the consumer (a raw rabbitmq-client
// consumer with prefetch = concurrency, or the decorated workflow in a worker-only app) and profiles only while
// the jobs are consumed. produce: profiles `jobs` sends with 100 in flight (raw confirming publisher, or
// `enqueueWorkflow` in a producer-only app). Prints jobs/s (bench/profile/broker-profile.ts); summarize the
// profile with dist/bench/profile/profile-top.js.
import 'reflect-metadata';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Connection } from 'rabbitmq-client';
import { HybridSchedulerModule, QueuedWorkflow } from 'nestjs-hybrid-scheduler';
import { startRabbitMq } from '../../test/support/rabbitmq.js';
import { CONCURRENCY, done, mode, profileSide } from './broker-profile.js';

const NAME = 'profiled';

@Injectable()
class ProfiledWorkflow {
  @QueuedWorkflow({ name: NAME, provider: 'rabbitmq', concurrency: CONCURRENCY, attempts: 1 })
  handle(_payload: { t: number }) {
    done();
  }
}

async function boot(url: string, roles: Array<'producer' | 'worker'>): Promise<INestApplicationContext> {
  @Module({
    imports: [HybridSchedulerModule.forRoot({ fallback: 'fail', queue: { rabbitmq: { url }, roles } })],
    providers: [ProfiledWorkflow],
  })
  class ProfiledModule {}
  const app = await NestFactory.createApplicationContext(ProfiledModule, { logger: ['error'] });
  await app.init();
  return app;
}

async function main(): Promise<void> {
  const node = await startRabbitMq();
  const connection = new Connection(node.url);
  connection.on('error', () => undefined);
  const publisher = connection.createPublisher({ confirm: true });
  // Ours declares its queue (with its arguments) at boot; raw takes the same arguments.
  await (await boot(node.url, ['producer'])).close();
  const queue = mode === 'raw' ? `raw.${NAME}` : `hybrid.${NAME}`;
  const queueOptions = {
    durable: true,
    arguments: {
      'x-max-priority': 10,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': `${queue}.dead`,
    },
  };
  if (mode === 'raw') await connection.queueDeclare({ queue, ...queueOptions });
  await profileSide({
    workflow: NAME,
    boot: (roles) => boot(node.url, roles),
    rawSend: (payload) => publisher.send({ routingKey: queue, durable: true, priority: 10 }, payload),
    rawConsume: async () => {
      const consumer = connection.createConsumer(
        { queue, qos: { prefetchCount: CONCURRENCY }, concurrency: CONCURRENCY, queueOptions },
        () => done(),
      );
      return () => consumer.close();
    },
  });
  await publisher.close();
  await connection.close();
  await node.stop();
}

await main();
process.exit(0);
