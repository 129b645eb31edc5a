import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { InvalidModuleOptionsError } from '../../errors/index.js';
import type { PrefectTierOptions } from '../../config/module-options.js';

export type PrefectSettings = Required<Omit<PrefectTierOptions, 'apiKey' | 'authString' | 'workQueues'>> &
  Pick<PrefectTierOptions, 'apiKey' | 'authString' | 'workQueues'>;

/** Defaults of the Prefect tier (Python worker defaults where they exist: poll 10s, prefetch 10s, heartbeat 30s). */
export function prefectSettings(options: PrefectTierOptions): PrefectSettings {
  const settings: PrefectSettings = {
    ...options,
    workPool: options.workPool ?? 'nestjs',
    pollIntervalMs: options.pollIntervalMs ?? 5_000,
    prefetchMs: options.prefetchMs ?? 10_000,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 30_000,
    concurrency: options.concurrency ?? 4,
    workerName: options.workerName ?? `nestjs-${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`,
    registerOnly: options.registerOnly ?? false,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 30_000,
    reconnectIntervalMs: options.reconnectIntervalMs ?? 10_000,
  };
  const problems: string[] = [];
  if (/^prefect/i.test(settings.workPool)) {
    problems.push(
      `prefect.workPool: "${settings.workPool}" is reserved (Prefect answers 403 to pool names starting with "prefect")`,
    );
  }
  if (/[/%&><]/.test(settings.workPool))
    problems.push(`prefect.workPool: "${settings.workPool}" may not contain / % & > <`);
  if (settings.pollIntervalMs > 60_000) {
    problems.push(
      `prefect.pollIntervalMs: ${settings.pollIntervalMs} is over 60000; Prefect marks deployments NOT_READY when not polled for 60s`,
    );
  }
  if (problems.length) throw new InvalidModuleOptionsError(problems);
  return settings;
}
