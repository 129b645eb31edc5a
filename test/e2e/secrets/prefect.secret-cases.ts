import { Injectable } from '@nestjs/common';
import { HybridSchedulerModule, PrefectDeployment, type PrefectTierOptions } from 'nestjs-hybrid-scheduler';
import { waitFor } from '../../support/nest-app.js';
import { startPrefectTestServer } from '../../support/prefect-server/index.js';
import type { SecretCase } from '../../support/secret-leaks.js';
import { FAST } from '../prefect/prefect-app.js';

@Injectable()
class LeakFlows {
  @PrefectDeployment({ flow: 'leak-check', name: 'prod', every: '1s' })
  run(): void {}
}

const AUTH = 'admin:PrefPass-5a1c3e';
const WRONG = 'admin:WRONGPASS-77e1b2';
const KEY = 'pnu_RightKey-9d04aa71';
const WRONG_KEY = 'pnu_WrongKey-0a9b1c55';
const secretsOf = (auth: string) => [auth, auth.split(':')[1]!, Buffer.from(auth).toString('base64')];
const module = (prefect: PrefectTierOptions) =>
  HybridSchedulerModule.forRoot({ queue: { enabled: false }, prefect: { ...FAST, ...prefect } });

/** Prefect: basic-auth strings and API keys, right and wrong, with Prefect gone (credentials in apiUrl are refused by the options). */
export const prefectSecretCases: SecretCase[] = [
  {
    name: 'Prefect basic auth, right: runs, then Prefect stops under the running worker',
    async prepare() {
      const server = await startPrefectTestServer({ auth: { basic: AUTH } });
      return {
        secrets: secretsOf(AUTH),
        imports: [module({ apiUrl: server.url, authString: AUTH })],
        providers: [LeakFlows],
        async exercise(probe) {
          await probe.scheduler.runDeployment('leak-check/prod');
          await waitFor(() => server.flowRuns({ stateType: 'COMPLETED' }).length > 0, 5_000, 'a run');
          await server.stop();
          await waitFor(
            async () => JSON.stringify(await probe.health()).includes('downSince'),
            10_000,
            'outage',
          );
          await probe.attempt(() => probe.scheduler.runDeployment('leak-check/prod'));
          await probe.attempt(() => probe.scheduler.pause('prefect:leak-check/prod'));
        },
        expectText(text) {
          expect(text).toMatch(/TierUnavailableError|is unavailable since/);
        },
        cleanup: () => server.stop(),
      };
    },
  },
  {
    name: 'Prefect basic auth, wrong (401): "authentication failed", never "unreachable"',
    async prepare() {
      const server = await startPrefectTestServer({ auth: { basic: AUTH } });
      return {
        secrets: [...secretsOf(AUTH), ...secretsOf(WRONG)],
        imports: [module({ apiUrl: server.url, authString: WRONG })],
        providers: [LeakFlows],
        expectText(text) {
          expect(text).toMatch(/Prefect authentication failed/);
          expect(text).not.toMatch(/Prefect[^\n]*unreachable/);
        },
        cleanup: () => server.stop(),
      };
    },
  },
  {
    name: 'Prefect Cloud-style API key, wrong (401)',
    async prepare() {
      const server = await startPrefectTestServer({ auth: { apiKey: KEY } });
      return {
        secrets: [KEY, WRONG_KEY],
        imports: [module({ apiUrl: server.url, apiKey: WRONG_KEY })],
        providers: [LeakFlows],
        expectText(text) {
          expect(text).toMatch(/Prefect authentication failed/);
        },
        cleanup: () => server.stop(),
      };
    },
  },
];
