import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { InvalidModuleOptionsError } from '../errors/index.js';
import type { HybridSchedulerModuleOptions, ResolvedModuleOptions } from './module-options.js';
import { ModuleOptionsSchema } from './options.schema.js';

const flatten = (errors: ValidationError[], path = ''): string[] =>
  errors.flatMap((error) => {
    const at = path ? `${path}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) =>
      message.startsWith('property ') ? `${at}: unknown option` : message.replace(error.property, at),
    );
    return [...own, ...flatten(error.children ?? [], at)];
  });

/** Validates the module options once at boot, listing every problem in one error, and applies defaults. */
export function validateModuleOptions(raw: HybridSchedulerModuleOptions | undefined): ResolvedModuleOptions {
  const options = raw ?? {};
  const problems = flatten(
    validateSync(plainToInstance(ModuleOptionsSchema, options), {
      whitelist: true,
      forbidNonWhitelisted: true,
    }),
  );
  if (options.prefect?.apiKey && options.prefect.authString) {
    problems.push(
      'prefect: give either apiKey (Prefect Cloud) or authString (self-hosted basic auth), not both',
    );
  }
  if (options.queue?.provider === 'bullmq' && !options.queue.bullmq) {
    problems.push("queue.bullmq: required when queue.provider is 'bullmq' (set queue.bullmq.connection)");
  }
  if (options.queue?.provider === 'cloud-tasks' && !options.queue.cloudTasks) {
    problems.push("queue.cloudTasks: required when queue.provider is 'cloud-tasks'");
  }
  if (problems.length) throw new InvalidModuleOptionsError(problems);

  const queue = options.queue;
  return {
    internal: {
      enabled: options.internal?.enabled ?? true,
      timeZone: options.internal?.timeZone ?? 'UTC',
      shutdownTimeoutMs: options.internal?.shutdownTimeoutMs ?? 10_000,
    },
    queue:
      queue?.enabled === false
        ? undefined
        : {
            ...queue,
            provider:
              queue?.provider ?? (queue?.bullmq ? 'bullmq' : queue?.cloudTasks ? 'cloud-tasks' : 'memory'),
            roles: queue?.roles ?? ['producer', 'worker'],
            shutdownTimeoutMs: queue?.shutdownTimeoutMs ?? 30_000,
          },
    prefect: options.prefect,
    fallback: options.fallback ?? 'degrade',
  };
}
