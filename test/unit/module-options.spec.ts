import {
  hybridSchedulerOptionsFromEnv,
  InvalidModuleOptionsError,
  validateModuleOptions,
  type HybridSchedulerModuleOptions,
} from 'nestjs-hybrid-scheduler';

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
