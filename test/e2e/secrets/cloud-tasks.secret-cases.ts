import { Injectable } from '@nestjs/common';
import { HybridSchedulerModule, QueuedWorkflow } from 'nestjs-hybrid-scheduler';
import { startCloudTasksEmulator } from '../../support/cloud-tasks-emulator/index.js';
import type { SecretCase } from '../../support/secret-leaks.js';
import { cloudTasksOptions, SERVICE_ACCOUNT } from '../cloud-tasks/cloud-tasks.fixture.js';

@Injectable()
class CloudLeakWorkflows {
  @QueuedWorkflow({ name: 'leak-check' })
  run(): void {}
}

const URL_PASSWORD = 'CloudPass-93be1f';
const withUserinfo = (baseUrl: string) => baseUrl.replace('http://', `http://push-user:${URL_PASSWORD}@`);

/** Cloud Tasks: credentials in the public URL, and OIDC tokens (the push credentials) in refused pushes. */
export const cloudTasksSecretCases: SecretCase[] = [
  {
    name: 'Cloud Tasks: userinfo in publicUrl, pushes with tokens that are refused',
    async prepare({ baseUrl }) {
      const emulator = await startCloudTasksEmulator();
      const publicUrl = withUserinfo(baseUrl);
      const options = cloudTasksOptions(emulator, 'leaks', publicUrl);
      const wrongAudience = emulator.signToken(SERVICE_ACCOUNT, 'https://elsewhere.example.com');
      const foreignKey = emulator.signToken(
        SERVICE_ACCOUNT,
        `${publicUrl}/hybrid-scheduler/cloud-tasks`,
        {},
        {
          key: 'foreign',
        },
      );
      return {
        secrets: [URL_PASSWORD, wrongAudience, foreignKey, 'not-a-jwt-SecretToken-55aa'],
        imports: [HybridSchedulerModule.forRoot({ queue: { provider: 'cloud-tasks', cloudTasks: options } })],
        providers: [CloudLeakWorkflows],
        async exercise(probe) {
          for (const token of [wrongAudience, foreignKey, 'not-a-jwt-SecretToken-55aa']) {
            const response = await fetch(`${baseUrl}/hybrid-scheduler/cloud-tasks/leak-check`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body: JSON.stringify({
                workflow: 'leak-check',
                payload: {},
                enqueuedAt: new Date().toISOString(),
              }),
            });
            probe.record(`${response.status} ${await response.text()}`);
            expect(response.status).toBe(401);
          }
          await probe.attempt(() => probe.scheduler.enqueueWorkflow('leak-check', {}));
        },
        expectText(text) {
          expect(text).toMatch(/Refused a push for "leak-check" \(401\)/);
        },
        cleanup: () => emulator.stop(),
      };
    },
  },
  {
    name: 'Cloud Tasks: userinfo in publicUrl, the queue does not exist (boot reports why)',
    async prepare({ baseUrl }) {
      const emulator = await startCloudTasksEmulator();
      const options = cloudTasksOptions(emulator, 'missing', withUserinfo(baseUrl), { ensureQueue: false });
      return {
        secrets: [URL_PASSWORD],
        imports: [HybridSchedulerModule.forRoot({ queue: { provider: 'cloud-tasks', cloudTasks: options } })],
        providers: [CloudLeakWorkflows],
        expectText(text) {
          expect(text).toMatch(/does not exist/);
        },
        cleanup: () => emulator.stop(),
      };
    },
  },
];
