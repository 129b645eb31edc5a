import {
  hybridSchedulerOptionsFromEnv,
  InvalidModuleOptionsError,
  type HybridSchedulerModuleOptions,
} from 'nestjs-hybrid-scheduler';
import { validateModuleOptions } from '../../libs/hybrid-scheduler/src/config/validate-options.js';

const problemsOf = (options: HybridSchedulerModuleOptions): string[] => {
  try {
    validateModuleOptions(options);
  } catch (error) {
    if (error instanceof InvalidModuleOptionsError) return error.problems;
    throw error;
  }
  return [];
};

describe('module options', () => {
  it('applies defaults: internal on in UTC, memory queue, degrade', () => {
    const resolved = validateModuleOptions({});
    expect(resolved.internal).toEqual({ enabled: true, timeZone: 'UTC', shutdownTimeoutMs: 10_000 });
    expect(resolved.queue?.provider).toBe('memory');
    expect(resolved.fallback).toBe('degrade');
    expect(resolved.prefect).toBeUndefined();
  });

  it('picks bullmq when a Redis connection is given', () => {
    expect(
      validateModuleOptions({ queue: { bullmq: { connection: 'redis://127.0.0.1:6390' } } }).queue?.provider,
    ).toBe('bullmq');
  });

  it('lists every invalid key in one error', () => {
    const bad = {
      fallback: 'panic',
      internal: { timeZone: 'Mars/Olympus', shutdownTimeoutMs: -1, colour: 'red' },
      prefect: { apiUrl: 'not a url', concurrency: 0 },
      queue: { provider: 'kafka' },
    } as unknown as HybridSchedulerModuleOptions;
    let error: unknown;
    try {
      validateModuleOptions(bad);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(InvalidModuleOptionsError);
    const problems = (error as InvalidModuleOptionsError).problems.join('\n');
    for (const culprit of [
      'fallback',
      'internal.timeZone',
      'internal.shutdownTimeoutMs',
      'internal.colour',
      'prefect.apiUrl',
      'prefect.concurrency',
      'queue.provider',
    ]) {
      expect(problems).toContain(culprit);
    }
    expect(problems).toContain('Mars/Olympus');
  });

  it('validates the Prefect options in the same boot-time pass, with the rest, in one error', () => {
    const problems = problemsOf({
      internal: { shutdownTimeoutMs: -1 },
      prefect: { apiUrl: 'http://localhost:4200/api', workPool: 'prefect-agents', pollIntervalMs: 90_000 },
    });
    expect(problems).toEqual([
      expect.stringMatching(/^internal\.shutdownTimeoutMs: must be at least 0/),
      expect.stringMatching(/^prefect\.workPool: "prefect-agents" is reserved/),
      expect.stringMatching(/^prefect\.pollIntervalMs: 90000 is over 60000/),
    ]);
  });

  it('applies the Prefect defaults at boot', () => {
    const prefect = validateModuleOptions({ prefect: { apiUrl: 'http://localhost:4200/api' } }).prefect;
    expect(prefect).toMatchObject({
      apiUrl: 'http://localhost:4200/api',
      workPool: 'nestjs',
      pollIntervalMs: 5_000,
      prefetchMs: 10_000,
      heartbeatIntervalMs: 30_000,
      concurrency: 4,
      registerOnly: false,
      requestTimeoutMs: 75_000,
      shutdownTimeoutMs: 30_000,
      reconnectIntervalMs: 10_000,
    });
    expect(prefect?.workerName).toMatch(/^nestjs-.+-\d+-[0-9a-f]{4}$/);
  });

  it('drops the queue tier when queue.enabled is false, and names a missing engine block', () => {
    expect(validateModuleOptions({ queue: { enabled: false } }).queue).toBeUndefined();
    expect(problemsOf({ queue: { provider: 'cloud-tasks' } })).toEqual([
      "queue.cloudTasks: required when queue.provider is 'cloud-tasks'",
    ]);
    expect(problemsOf({ queue: { bullmq: {} } } as unknown as HybridSchedulerModuleOptions)).toEqual([
      'queue.bullmq.connection: required (or set HYBRID_SCHEDULER_REDIS_URL or REDIS_URL)',
    ]);
  });

  it('refuses both Prefect credentials at once', () => {
    expect(() =>
      validateModuleOptions({
        prefect: { apiUrl: 'http://localhost:4200/api', apiKey: 'k', authString: 'u:p' },
      }),
    ).toThrow(/either apiKey .* or authString/);
  });

  it('refuses provider bullmq without a connection', () => {
    expect(() => validateModuleOptions({ queue: { provider: 'bullmq' } })).toThrow(/queue\.bullmq: required/);
  });

  it('reads HYBRID_SCHEDULER_* variables', () => {
    const options = hybridSchedulerOptionsFromEnv({
      HYBRID_SCHEDULER_FALLBACK: 'fail',
      HYBRID_SCHEDULER_TIME_ZONE: 'Europe/Berlin',
      HYBRID_SCHEDULER_SHUTDOWN_TIMEOUT_MS: '2500',
      REDIS_URL: 'redis://cache:6379',
      PREFECT_API_URL: 'http://prefect:4200/api',
      PREFECT_API_AUTH_STRING: 'admin:secret',
      HYBRID_SCHEDULER_QUEUE_ROLES: 'producer',
    });
    expect(options).toEqual({
      fallback: 'fail',
      internal: { timeZone: 'Europe/Berlin', shutdownTimeoutMs: 2500 },
      queue: { roles: ['producer'], bullmq: { connection: 'redis://cache:6379' } },
      prefect: { apiUrl: 'http://prefect:4200/api', authString: 'admin:secret' },
    });
    expect(() => validateModuleOptions(options)).not.toThrow();
  });

  it('gives empty options for an empty environment', () => {
    expect(hybridSchedulerOptionsFromEnv({})).toEqual({});
  });
});

describe('engine URLs with a wrong scheme', () => {
  const PASSWORD = 'hunter22-pw';
  const only = (options: HybridSchedulerModuleOptions): string => {
    const problems = problemsOf(options);
    expect(problems).toHaveLength(1);
    expect(problems[0]).not.toContain(PASSWORD);
    return problems[0];
  };

  // It used to say "got a secret of 8 characters": the whole URL was treated as a secret.
  it('names the NATS option, the expected schemes and the scheme given, with the URL shown redacted', () => {
    expect(only({ queue: { provider: 'nats', nats: { servers: 'http://x' } } })).toBe(
      'queue.nats.servers: must be a URL starting with nats:// or tls:// or a host:port; http:// is the wrong scheme (got "http://x")',
    );
    expect(only({ queue: { provider: 'nats', nats: { servers: `http://me:${PASSWORD}@x:4222` } } })).toMatch(
      /http:\/\/ is the wrong scheme \(got "http:\/\/\*\*\*@x:4222"\)$/,
    );
    expect(
      only({ queue: { provider: 'nats', nats: { servers: `nats://a:${PASSWORD}@h1, ws://h2:8080` } } }),
    ).toMatch(/ws:\/\/ is the wrong scheme \(URL 2 of 2\) \(got "nats:\/\/\*\*\*@h1,ws:\/\/h2:8080"\)$/);
  });

  // The NATS client's own forms: an array of servers, and a bare host:port meaning nats://host:port.
  it('takes NATS servers as the client does: an array, a bare host:port, a comma-separated list', () => {
    for (const servers of [
      ['nats://a:4222', 'tls://b:4222'],
      'localhost:4222',
      ['127.0.0.1:4222', '[::1]:4223'],
      `nats://u:${PASSWORD}@a:4222, b:4222`,
    ])
      expect(problemsOf({ queue: { provider: 'nats', nats: { servers } } })).toEqual([]);
    expect(
      only({ queue: { provider: 'nats', nats: { servers: ['nats://a:4222', 'ws://b:8080'] } } }),
    ).toMatch(/ws:\/\/ is the wrong scheme \(URL 2 of 2\) \(got "nats:\/\/a:4222,ws:\/\/b:8080"\)$/);
    // A comma inside a password does not split the URL (its second half would be shown as a host).
    const [problem] = problemsOf({
      queue: { provider: 'nats', nats: { servers: 'nats://u:pa,ss22@a:4222,ws://b' } },
    });
    expect(problem).toMatch(/\(URL 2 of 2\) \(got "nats:\/\/\*\*\*@a:4222,ws:\/\/b"\)$/);
    expect(problem).not.toContain('ss22');
    expect(only({ queue: { provider: 'nats', nats: { servers: [] } } })).toMatch(/; it is empty \(got ""\)$/);
    expect(
      only({ queue: { provider: 'nats', nats: { servers: [`nats://u:${PASSWORD}@a`, 3] as never } } }),
    ).toMatch(/, or an array of them \(got \["nats:\/\/\*\*\*@a",3\]\)$/);
    expect(only({ queue: { provider: 'nats', nats: { servers: `u:${PASSWORD}@a:4222` } } })).toMatch(
      /credentials need the scheme \(nats:\/\/user:pass@host\) \(got "\*\*\*@a:4222"\)$/,
    );
  });

  it('names the environment variable it came from', () => {
    let problems: string[] = [];
    try {
      hybridSchedulerOptionsFromEnv({ HYBRID_SCHEDULER_NATS_URL: `http://me:${PASSWORD}@x` });
    } catch (error) {
      problems = (error as InvalidModuleOptionsError).problems;
    }
    expect(problems).toEqual([
      'HYBRID_SCHEDULER_NATS_URL="http://***@x" (queue.nats.servers): must be a URL starting with nats:// or ' +
        'tls:// or a host:port; http:// is the wrong scheme (got "http://***@x")',
    ]);
  });

  it('says the same for RabbitMQ and BullMQ, also for a URL that does not parse', () => {
    expect(only({ queue: { provider: 'rabbitmq', rabbitmq: { url: `http://me:${PASSWORD}@mq` } } })).toBe(
      'queue.rabbitmq.url: must be a URL starting with amqp:// or amqps://; http:// is the wrong scheme (got "http://***@mq")',
    );
    expect(only({ queue: { bullmq: { connection: `redis//me:${PASSWORD}@cache:6379` } } })).toBe(
      "queue.bullmq.connection: must be 'from-bull-module' or a URL starting with redis:// or rediss://; " +
        'it has no scheme (got "redis//***@cache:6379")',
    );
    expect(only({ queue: { bullmq: { connection: `rediss:/me:${PASSWORD}@cache` } } })).toMatch(
      /rediss:\/\*\*\*@cache/,
    );
  });
});
