import { Injectable } from '@nestjs/common';
import { HybridSchedulerModule, QueuedWorkflow } from 'nestjs-hybrid-scheduler';
import { startRedis } from '../../support/redis.js';
import { freePort } from '../../support/server-process.js';
import { waitFor } from '../../support/nest-app.js';
import type { SecretCase } from '../../support/secret-leaks.js';

@Injectable()
class LeakWorkflows {
  runs = 0;
  @QueuedWorkflow({ name: 'leak-check' })
  run(): void {
    this.runs++;
  }
}

const PASSWORD = 'RedisPass-7f3a9c';
const WRONG = 'WrongPass-1d8e42';

/** Redis: a password in the URL, and in an ioredis options object; right, wrong, and with Redis gone. */
export const redisSecretCases: SecretCase[] = [
  {
    name: 'Redis URL with the right password; Redis stopped and restarted under the running app',
    async prepare() {
      const redis = await startRedis({ password: PASSWORD });
      return {
        secrets: [PASSWORD, encodeURIComponent(PASSWORD)],
        imports: [
          HybridSchedulerModule.forRoot({ queue: { bullmq: { connection: redis.url, prefix: 'leak1' } } }),
        ],
        providers: [LeakWorkflows],
        async exercise(probe) {
          await probe.scheduler.enqueueWorkflow('leak-check', {});
          await redis.kill();
          await waitFor(
            async () => JSON.stringify(await probe.health()).includes('degraded'),
            10_000,
            'health to report the outage',
          );
          await redis.restart();
          await waitFor(
            async () => !JSON.stringify(await probe.health()).includes('degraded'),
            15_000,
            'health to recover',
          );
          await probe.attempt(() => probe.scheduler.enqueueWorkflow('leak-check', {}));
        },
        cleanup: () => redis.stop(),
      };
    },
  },
  {
    name: 'Redis URL with a wrong password (WRONGPASS): reported as authentication failed',
    async prepare() {
      const redis = await startRedis({ password: PASSWORD });
      const url = redis.url.replace(encodeURIComponent(PASSWORD), WRONG);
      return {
        secrets: [PASSWORD, WRONG],
        imports: [HybridSchedulerModule.forRoot({ queue: { bullmq: { connection: url, prefix: 'leak2' } } })],
        providers: [LeakWorkflows],
        async exercise(probe) {
          await probe.attempt(() => probe.scheduler.enqueueWorkflow('leak-check', {}));
        },
        expectText(text) {
          expect(text).toMatch(/authentication failed \(WRONGPASS\)/);
          expect(text).not.toMatch(/Redis at [^ ]+ is unreachable/);
        },
        cleanup: () => redis.stop(),
      };
    },
  },
  {
    name: 'ioredis options object with a wrong password',
    async prepare() {
      const redis = await startRedis({ password: PASSWORD });
      return {
        secrets: [PASSWORD, WRONG],
        imports: [
          HybridSchedulerModule.forRoot({
            queue: {
              bullmq: {
                connection: { host: '127.0.0.1', port: redis.port, password: WRONG },
                prefix: 'leak3',
              },
            },
          }),
        ],
        providers: [LeakWorkflows],
        expectText(text) {
          expect(text).toMatch(/authentication failed/);
        },
        cleanup: () => redis.stop(),
      };
    },
  },
  {
    name: 'Redis URL with a password, nothing listening',
    async prepare() {
      const port = await freePort();
      return {
        secrets: [PASSWORD],
        imports: [
          HybridSchedulerModule.forRoot({
            queue: { bullmq: { connection: `redis://admin:${PASSWORD}@127.0.0.1:${port}`, prefix: 'leak4' } },
          }),
        ],
        providers: [LeakWorkflows],
        expectText(text) {
          expect(text).toMatch(/is unreachable \(ECONNREFUSED\)/);
        },
        cleanup: async () => undefined,
      };
    },
  },
];
