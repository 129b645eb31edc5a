import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HybridScheduler, HybridSchedulerModule, QueuedWorkflow } from 'nestjs-hybrid-scheduler';
import { sleep, waitFor } from '../../support/nest-app.js';
import { startRedis, type PrivateRedis } from '../../support/redis.js';
import { CapturingLogger } from '../../support/secret-leaks.js';

const done: string[] = [];

@Injectable()
class Three {
  @QueuedWorkflow({ name: 'outage-a' })
  a() {
    done.push('a');
  }
  @QueuedWorkflow({ name: 'outage-b' })
  b() {
    done.push('b');
  }
  @QueuedWorkflow({ name: 'outage-c', every: '1s' })
  c() {
    done.push('c');
  }
}

/** Issue 9: an outage is logged once per engine when it starts and once when it ends, not per queue and worker. */
describe('queue tier on bullmq: what a Redis outage logs', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startRedis({ appendOnly: true }); // the schedules survive: only the outage itself is logged
  });
  afterAll(async () => redis.stop());

  it('one WARN when Redis goes away, one LOG with the duration when it is back, nothing per worker', async () => {
    @Module({
      imports: [
        HybridSchedulerModule.forRoot({ queue: { bullmq: { connection: redis.url, prefix: 'outlog' } } }),
      ],
      providers: [Three],
    })
    class OutageLogModule {}
    const logger = new CapturingLogger();
    const app = (
      await Test.createTestingModule({ imports: [OutageLogModule] }).compile()
    ).createNestApplication({
      logger,
    });
    await app.init();
    try {
      const scheduler = app.get(HybridScheduler);
      await scheduler.enqueueWorkflow('outage-a', {});
      await waitFor(() => done.includes('a'), 5_000, 'a job before the outage');
      const before = logger.lines.length;

      await redis.kill();
      await sleep(6_000);
      const during = logger.lines.slice(before);
      await redis.restart();
      await waitFor(
        () => logger.lines.some((l) => /answers again after \d+\.\ds of outage/.test(l)),
        15_000,
        'the end of the outage to be logged',
      );
      await scheduler.enqueueWorkflow('outage-b', {});
      await waitFor(() => done.includes('b'), 10_000, 'a job after the outage');
      await sleep(1_000);

      const lines = logger.lines.slice(before);
      // Ticks of outage-c that fell into the outage are reported as missed (their own lines); what must not
      // repeat is the connection failure itself, once per client, queue and worker.
      const connection = /ECONN|EPIPE|ETIMEDOUT|Connection is closed|unreachable/;
      const warnings = lines.filter((l) => /^(WARN|ERROR)/.test(l) && connection.test(l));
      expect(during.filter((l) => l.startsWith('WARN'))).toEqual([
        expect.stringMatching(
          /^WARN Redis at 127\.0\.0\.1:\d+ is unreachable \(ECONN\w+\); retrying in the background/,
        ),
      ]);
      expect(warnings).toHaveLength(1);
      expect(lines.filter((l) => /answers again/.test(l))).toHaveLength(1);
    } finally {
      await app.close();
    }
  }, 60_000);
});
