import type { Logger } from '@nestjs/common';
import { redact, redactedMessage } from '../../common/redact.js';
import type { TierAvailability } from '../../interfaces/index.js';

/**
 * Probes every `everyMs` until Prefect answers, then calls `onAvailable` until it resolves true; `onFirstAnswer`
 * runs once, at the first answer (when the fallback stopped running these tasks). Returns the stop function.
 */
export function watchPrefect(
  probe: () => Promise<TierAvailability>,
  onAvailable: () => Promise<boolean>,
  options: { everyMs: number; apiUrl: string; logger: Logger; onFirstAnswer(): void },
): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const attempt = async () => {
    if (stopped) return;
    const availability = await probe();
    if (availability.available && !stopped) {
      try {
        options.onFirstAnswer();
        if (await onAvailable()) return;
      } catch (error) {
        options.logger.error(
          `Prefect answers again at ${redact(options.apiUrl)}, but switching to it failed: ${redactedMessage(error)}`,
        );
      }
    }
    if (!stopped) timer = setTimeout(() => void attempt(), options.everyMs);
  };
  timer = setTimeout(() => void attempt(), options.everyMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
