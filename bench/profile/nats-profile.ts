// CPU profile of one side of the NATS JetStream path (evidence for docs/queue.md, NATS):
//   npm run build && node dist/bench/profile/nats-profile.js consume|produce ours|raw [jobs] [concurrency] [out]
// consume: fills a private nats-server with `jobs` plain JSON messages (raw `js.publish`, as a plain producer
// would), then boots the consumer (a raw pull consumer with `consume({ max_messages: concurrency })` acking in
// its callback, or the decorated workflow in a worker-only app) and profiles only while the jobs are consumed.
// produce: profiles `jobs` sends with 100 in flight (raw `js.publish` awaiting each PubAck, or `enqueueWorkflow`
// in a producer-only app). Prints jobs/s (bench/profile/broker-profile.ts); summarize the profile with
// dist/bench/profile/profile-top.js.
import 'reflect-metadata';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { HybridSchedulerModule, QueuedWorkflow } from 'nestjs-hybrid-scheduler';
import { startNats } from '../../test/support/nats.js';
import { CONCURRENCY, done, mode, profileSide } from './broker-profile.js';

const NAME = 'profiled';

@Injectable()
class ProfiledWorkflow {
  @QueuedWorkflow({ name: NAME, provider: 'nats', concurrency: CONCURRENCY, attempts: 1 })
  handle(_payload: { t: number }) {
    done();
  }
}

async function boot(url: string, roles: Array<'producer' | 'worker'>): Promise<INestApplicationContext> {
  @Module({
    imports: [
      HybridSchedulerModule.forRoot({
        fallback: 'fail',
        queue: { nats: { servers: url, stream: 'prof' }, roles },
      }),
    ],
    providers: [ProfiledWorkflow],
  })
  class ProfiledModule {}
  const app = await NestFactory.createApplicationContext(ProfiledModule, { logger: ['error'] });
  await app.init();
  return app;
}

async function main(): Promise<void> {
  const nats = await startNats();
  const nc = await connect({ servers: nats.url });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const subject = mode === 'raw' ? `raw.${NAME}` : `prof.jobs.${NAME}`;
  if (mode === 'raw') {
    await jsm.streams.add({
      name: 'raw',
      subjects: ['raw.>'],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
    });
    await jsm.consumers.add('raw', {
      durable_name: NAME,
      ack_policy: AckPolicy.Explicit,
      max_ack_pending: 1000,
    });
  } else await (await boot(nats.url, ['producer'])).close(); // declares the stream and consumers
  await profileSide({
    workflow: NAME,
    boot: (roles) => boot(nats.url, roles),
    rawSend: (p) => js.publish(subject, JSON.stringify(p)),
    rawConsume: async () => {
      const messages = await (
        await js.consumers.get('raw', NAME)
      ).consume({
        max_messages: CONCURRENCY,
        callback: (msg) => {
          msg.json();
          done();
          msg.ack();
        },
      });
      return () => messages.close();
    },
  });
  await nc.close();
  await nats.stop();
}

await main();
process.exit(0);
