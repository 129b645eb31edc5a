import { Injectable, Module } from '@nestjs/common';
import { HybridSchedulerModule, QueuedWorkflow } from 'nestjs-hybrid-scheduler';
import { bootApp, waitFor } from '../../support/nest-app.js';
import { startRedis, type PrivateRedis } from '../../support/redis.js';

let failing = true;
const handled: number[] = [];

@Injectable()
class Imports {
  /** On the memory provider, but with Redis configured its dead letters go to Redis. */
  @QueuedWorkflow({
    name: 'import-file',
    provider: 'memory',
    attempts: 2,
    backoff: { type: 'fixed', delayMs: 20 },
  })
  run(payload: { file: number }) {
    if (failing) throw new Error(`parse error in file ${payload.file}`);
    handled.push(payload.file);
  }
}

const appWith = (url: string) => {
  @Module({
    imports: [
      HybridSchedulerModule.forRoot({
        fallback: 'fail',
        queue: { bullmq: { connection: url, prefix: 'dlq-test' } },
      }),
    ],
    providers: [Imports],
  })
  class DeadLetterModule {}
  return DeadLetterModule;
};

describe('queue tier: dead letters in Redis survive a restart', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis.stop());

  it('keeps a memory-provider job that used up its attempts in Redis, lists it after a restart and retries it', async () => {
    const first = await bootApp(appWith(redis.url));
    const { id } = await first.scheduler.enqueueWorkflow('import-file', { file: 7 });
    await waitFor(
      async () => (await first.scheduler.deadLetters('import-file')).length === 1,
      3_000,
      'the dead letter',
    );
    await first.close();

    const second = await bootApp(appWith(redis.url));
    try {
      const [letter] = await second.scheduler.deadLetters('import-file');
      expect(letter).toMatchObject({
        id,
        workflow: 'import-file',
        payload: { file: 7 },
        attempts: 2,
        error: 'parse error in file 7',
      });
      expect(letter.stack).toMatch(/parse error in file 7/);
      expect(letter.failedAt.getTime()).toBeGreaterThanOrEqual(letter.enqueuedAt.getTime());
      failing = false;
      await second.scheduler.retryDeadLetter(id);
      await waitFor(() => handled.includes(7), 3_000, 'the retried job');
      expect(await second.scheduler.deadLetters('import-file')).toHaveLength(0);
    } finally {
      await second.close();
    }
  });
});
