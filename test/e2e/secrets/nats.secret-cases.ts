import { Injectable } from '@nestjs/common';
import { HybridSchedulerModule, QueuedWorkflow } from 'nestjs-hybrid-scheduler';
import { waitFor } from '../../support/nest-app.js';
import { startNats } from '../../support/nats.js';
import type { SecretCase } from '../../support/secret-leaks.js';

@Injectable()
class NatsLeakWorkflows {
  @QueuedWorkflow({ name: 'nats-leak-check' })
  run(): void {}
}

const PASSWORD = 'NatsPass-5c1e7b';
const WRONG = 'WrongNats-93ad0f';

/** NATS: a password in the server URL and in `pass`; right (with the server killed and restarted), and wrong. */
export const natsSecretCases: SecretCase[] = [
  {
    name: 'NATS URL with the right password; the server killed and restarted under the running app',
    async prepare() {
      const nats = await startNats({ user: 'app', pass: PASSWORD });
      return {
        secrets: [PASSWORD],
        imports: [HybridSchedulerModule.forRoot({ queue: { nats: { servers: nats.url, stream: 'leak1' } } })],
        providers: [NatsLeakWorkflows],
        async exercise(probe) {
          await probe.scheduler.enqueueWorkflow('nats-leak-check', {});
          await nats.kill();
          await waitFor(
            async () => JSON.stringify(await probe.health()).includes('degraded'),
            10_000,
            'health to report the outage',
          );
          await probe.attempt(() => probe.scheduler.enqueueWorkflow('nats-leak-check', {}));
          await nats.restart();
          await waitFor(
            async () => !JSON.stringify(await probe.health()).includes('degraded'),
            15_000,
            'health to recover',
          );
        },
        cleanup: () => nats.stop(),
      };
    },
  },
  {
    name: 'NATS with a wrong password in `pass`: reported as authentication failed',
    async prepare() {
      const nats = await startNats({ user: 'app', pass: PASSWORD });
      const servers = nats.url.replace(`app:${PASSWORD}@`, '');
      return {
        secrets: [PASSWORD, WRONG],
        imports: [
          HybridSchedulerModule.forRoot({
            queue: { nats: { servers, user: 'app', pass: WRONG, stream: 'leak2' } },
          }),
        ],
        providers: [NatsLeakWorkflows],
        async exercise(probe) {
          await probe.attempt(() => probe.scheduler.enqueueWorkflow('nats-leak-check', {}));
        },
        expectText(text) {
          expect(text).toMatch(/NATS at 127\.0\.0\.1:\d+ refused the credentials: authentication failed/);
        },
        cleanup: () => nats.stop(),
      };
    },
  },
];
