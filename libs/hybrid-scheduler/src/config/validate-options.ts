import { InvalidModuleOptionsError } from '../errors/index.js';
import type { HybridSchedulerModuleOptions, ResolvedModuleOptions } from './module-options.js';
import { moduleOptions } from './module-options.schema.js';

/**
 * Validates every option of every tier once at boot, listing every problem in one error, and applies the
 * defaults (all from the description in module-options.schema.ts).
 */
export function validateModuleOptions(raw: HybridSchedulerModuleOptions | undefined): ResolvedModuleOptions {
  const problems: string[] = [];
  const resolved = moduleOptions.resolve(raw ?? {}, '', problems);
  if (problems.length || !resolved) throw new InvalidModuleOptionsError(problems);
  return { ...resolved, queue: resolved.queue.enabled ? resolved.queue : undefined };
}
