import { createRequire } from 'node:module';
import { HybridSchedulerError } from '../../errors/index.js';

const requireFromHere = createRequire(import.meta.url);
/** Modules already loaded: engines ask per message, and `require` resolves the name again on every call. */
const loaded = new Map<string, unknown>();

/**
 * Loads an optional peer dependency (bullmq, ioredis) when a feature that needs it is configured, so an app that
 * uses only the memory provider installs neither. Synchronous because providers build their clients in
 * synchronous constructors; Node 20.19+ and 22.12+ can `require` ESM packages too.
 */
export function requireOptional<T>(name: string, purpose: string): T {
  if (loaded.has(name)) return loaded.get(name) as T;
  try {
    const module = requireFromHere(name) as T;
    loaded.set(name, module);
    return module;
  } catch (error) {
    if (
      (error as { code?: string }).code === 'MODULE_NOT_FOUND' &&
      String((error as Error).message).includes(`'${name}'`)
    ) {
      throw new HybridSchedulerError(
        `${purpose} needs the "${name}" package, which is not installed: npm install ${name}`,
      );
    }
    throw error;
  }
}

/** An optional peer if the app installed it, else undefined (for integrations that only apply when present). */
export function requireIfInstalled<T>(name: string): T | undefined {
  try {
    return requireFromHere(name) as T;
  } catch (error) {
    const missing =
      (error as { code?: string }).code === 'MODULE_NOT_FOUND' &&
      String((error as Error).message).includes(`'${name}'`);
    if (missing) return undefined;
    throw error;
  }
}
