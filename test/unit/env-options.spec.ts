import { readFileSync } from 'node:fs';
import { hybridSchedulerOptionsFromEnv, InvalidModuleOptionsError } from 'nestjs-hybrid-scheduler';
import { environmentVariables } from '../../libs/hybrid-scheduler/src/config/env.js';
import { validateModuleOptions } from '../../libs/hybrid-scheduler/src/config/validate-options.js';

const problemsOf = (run: () => unknown): string[] => {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidModuleOptionsError) return error.problems;
    throw error;
  }
  throw new Error('expected an InvalidModuleOptionsError');
};
const fromEnv = (env: Record<string, string>) => () => hybridSchedulerOptionsFromEnv(env);

describe('options from the environment', () => {
  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['yes', true],
    ['on', true],
    ['false', false],
    ['0', false],
    ['No', false],
    ['off', false],
  ])('reads the boolean %s as %s', (text, value) => {
    expect(hybridSchedulerOptionsFromEnv({ HYBRID_SCHEDULER_INTERNAL_ENABLED: text })).toEqual({
      internal: { enabled: value },
    });
  });

  it('refuses a boolean it cannot read, naming the variable and the value', () => {
    expect(problemsOf(fromEnv({ HYBRID_SCHEDULER_INTERNAL_ENABLED: 'ture' }))).toEqual([
      'HYBRID_SCHEDULER_INTERNAL_ENABLED="ture" (internal.enabled): must be one of true, false, 1, 0, yes, no, on, off',
    ]);
  });

  it('reads durations where options take milliseconds', () => {
    const options = hybridSchedulerOptionsFromEnv({
      HYBRID_SCHEDULER_SHUTDOWN_TIMEOUT_MS: '10s',
      HYBRID_SCHEDULER_QUEUE_SHUTDOWN_TIMEOUT_MS: '1.5m',
      HYBRID_SCHEDULER_PREFECT_API_URL: 'http://prefect:4200/api',
      HYBRID_SCHEDULER_PREFECT_POLL_INTERVAL_MS: '2500',
    });
    expect(options.internal?.shutdownTimeoutMs).toBe(10_000);
    expect(options.queue?.shutdownTimeoutMs).toBe(90_000);
    expect(options.prefect?.pollIntervalMs).toBe(2_500);
  });

  it('refuses numbers it cannot read or that break a rule, naming variable and value, all in one error', () => {
    const problems = problemsOf(
      fromEnv({
        HYBRID_SCHEDULER_SHUTDOWN_TIMEOUT_MS: 'soon',
        HYBRID_SCHEDULER_QUEUE_SHUTDOWN_TIMEOUT_MS: '0.5',
        HYBRID_SCHEDULER_PREFECT_API_URL: 'http://prefect:4200/api',
        HYBRID_SCHEDULER_PREFECT_CONCURRENCY: 'four',
        HYBRID_SCHEDULER_PREFECT_POLL_INTERVAL_MS: '2m',
        HYBRID_SCHEDULER_QUEUE_PROVIDER: 'kafka',
      }),
    );
    expect(problems).toEqual([
      'HYBRID_SCHEDULER_SHUTDOWN_TIMEOUT_MS="soon" (internal.shutdownTimeoutMs): must be milliseconds or a duration such as 10s, 5m, 1h',
      'HYBRID_SCHEDULER_QUEUE_PROVIDER="kafka" (queue.provider): must be one of "bullmq", "cloud-tasks", "rabbitmq", "nats", "memory" (got "kafka")',
      'HYBRID_SCHEDULER_QUEUE_SHUTDOWN_TIMEOUT_MS="0.5" (queue.shutdownTimeoutMs): must be milliseconds or a duration such as 10s, 5m, 1h',
      'HYBRID_SCHEDULER_PREFECT_POLL_INTERVAL_MS="2m" (prefect.pollIntervalMs): 120000 is over 60000; Prefect marks deployments NOT_READY when not polled for 60s',
      'HYBRID_SCHEDULER_PREFECT_CONCURRENCY="four" (prefect.concurrency): must be an integer',
    ]);
  });

  it('reads the Prefect API key from HYBRID_SCHEDULER_PREFECT_API_KEY, else PREFECT_API_KEY', () => {
    const url = { PREFECT_API_URL: 'https://api.prefect.cloud/api/accounts/a/workspaces/w' };
    expect(
      hybridSchedulerOptionsFromEnv({ ...url, HYBRID_SCHEDULER_PREFECT_API_KEY: 'pnu_a' }).prefect?.apiKey,
    ).toBe('pnu_a');
    expect(hybridSchedulerOptionsFromEnv({ ...url, PREFECT_API_KEY: 'pnu_b' }).prefect?.apiKey).toBe('pnu_b');
    expect(
      hybridSchedulerOptionsFromEnv({
        ...url,
        HYBRID_SCHEDULER_PREFECT_API_KEY: 'pnu_a',
        PREFECT_API_KEY: 'pnu_b',
      }).prefect?.apiKey,
    ).toBe('pnu_a');
  });

  it('creates an engine block only from its required variables (a prefix alone is not a Redis connection)', () => {
    expect(
      hybridSchedulerOptionsFromEnv({ HYBRID_SCHEDULER_QUEUE_PREFIX: 'app', PREFECT_API_KEY: 'k' }),
    ).toEqual({});
    expect(
      problemsOf(
        fromEnv({ HYBRID_SCHEDULER_CLOUD_TASKS_PROJECT: 'p', HYBRID_SCHEDULER_CLOUD_TASKS_EMULATOR: 'x' }),
      ),
    ).toEqual(['HYBRID_SCHEDULER_CLOUD_TASKS_EMULATOR="x" (queue.cloudTasks.emulator): must be host:port']);
  });
});

describe('credentials in the Prefect apiUrl', () => {
  const secretUrl = 'http://admin:SECRETKEY123@127.0.0.1:4298/api';

  it('are refused at boot, pointing at authString, without the secret in the message', () => {
    const problems = problemsOf(() => validateModuleOptions({ prefect: { apiUrl: secretUrl } }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^prefect\.apiUrl: must not contain credentials .*prefect\.authString/);
    expect(problems.join()).not.toContain('SECRETKEY123');
    expect(problems.join()).not.toContain('admin:');
  });

  it('are refused from the environment too, naming the variable, without the secret', () => {
    let message = '';
    try {
      hybridSchedulerOptionsFromEnv({ PREFECT_API_URL: secretUrl });
    } catch (error) {
      message = error instanceof Error ? error.message : String(error);
    }
    expect(message).toContain('PREFECT_API_URL="http://***@127.0.0.1:4298/api" (prefect.apiUrl)');
    expect(message).not.toContain('SECRETKEY123');
  });

  it('never shows a secret option in a message', () => {
    const problems = problemsOf(() =>
      validateModuleOptions({ prefect: { apiUrl: 'http://p/api', apiKey: 42 as unknown as string } }),
    );
    expect(problems).toEqual(['prefect.apiKey: must be a non-empty string (got number)']);
  });
});

describe('the environment table in docs/configuration.md', () => {
  const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

  it('lists every variable the options read, with its option', () => {
    for (const { name, option } of environmentVariables()) {
      expect(doc).toMatch(new RegExp(`\\| \`${name}\` \\| \`${option.replaceAll('.', '\\.')}\` \\|`));
    }
  });

  it('lists no variable the options do not read', () => {
    const known = new Set(environmentVariables().map((v) => v.name));
    const listed = [...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(listed.filter((name) => !known.has(name))).toEqual([]);
    expect(listed.length).toBe(known.size);
  });
});
