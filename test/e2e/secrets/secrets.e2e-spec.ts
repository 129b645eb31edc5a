import { runSecretCase, type SecretCase } from '../../support/secret-leaks.js';
import { cloudTasksSecretCases } from './cloud-tasks.secret-cases.js';
import { natsSecretCases } from './nats.secret-cases.js';
import { prefectSecretCases } from './prefect.secret-cases.js';
import { redisSecretCases } from './redis.secret-cases.js';

/**
 * Issue 9 "Secrets": every place a user can put a secret, run for real; all logs (every level), health output
 * and error messages are collected and grepped. Add an engine's cases in its own `<engine>.secret-cases.ts`
 * and list them here.
 */
const cases: SecretCase[] = [
  ...redisSecretCases,
  ...cloudTasksSecretCases,
  ...prefectSecretCases,
  ...natsSecretCases,
];

describe('no secret in logs, health or errors', () => {
  it.each(cases.map((c) => [c.name, c] as const))(
    '%s',
    async (_name, secretCase) => {
      const { text, prepared } = await runSecretCase(secretCase);
      expect(text.length).toBeGreaterThan(0);
      for (const secret of prepared.secrets) {
        if (text.includes(secret)) {
          const line = text.split('\n').find((l) => l.includes(secret));
          throw new Error(`secret ${JSON.stringify(secret.slice(0, 6))}… appears in: ${line}`);
        }
      }
      prepared.expectText?.(text);
    },
    60_000,
  );
});
