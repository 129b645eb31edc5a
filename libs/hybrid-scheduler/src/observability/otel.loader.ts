import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';

export type OtelApiModule = typeof OtelApi;

const requireFromHere = createRequire(import.meta.url);

/**
 * `@opentelemetry/api` when the app installed it (it is an optional peer), else undefined: tracing then does
 * nothing. The API talks to whatever SDK the app registered, through its process-wide global.
 */
export function loadOtelApi(): OtelApiModule | undefined {
  try {
    return requireFromHere('@opentelemetry/api') as OtelApiModule;
  } catch (error) {
    if ((error as { code?: string }).code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}
