import { PayloadRequiredError, PayloadValidationError } from '../../errors/index.js';

/** The default of `queue.maxPayloadBytes`; Cloud Tasks' own limit is the same 1 MiB, counted with its envelope. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1_048_576;

/**
 * @throws PayloadValidationError when the payload's JSON is larger than `queue.maxPayloadBytes` or than the
 * engine's own limit, whichever is lower (checked before enqueue, so nothing reaches the engine).
 */
export function checkPayloadSize(
  workflow: string,
  payload: unknown,
  configuredMax: number,
  engine: { name: string; maxPayloadBytes?: number },
): void {
  const engineMax = engine.maxPayloadBytes ?? Number.POSITIVE_INFINITY;
  const limit = Math.min(configuredMax, engineMax);
  const bytes = Buffer.byteLength(JSON.stringify(payload ?? {}), 'utf8');
  if (bytes <= limit) return;
  const source =
    engineMax < configuredMax ? `the ${engine.name} engine's own limit` : 'queue.maxPayloadBytes';
  throw new PayloadValidationError(workflow, [
    `payload is ${bytes} bytes as JSON; the limit is ${limit} bytes per task (${source})`,
  ]);
}

/**
 * What `trigger()` says when the scheduled payload does not validate and the workflow declares none: the
 * workflow needs a payload from its caller, so the fix is enqueueWorkflow, not a different payload.
 */
export async function triggerPayload<T>(
  workflow: string,
  declaresPayload: boolean,
  enqueue: () => Promise<T>,
): Promise<T> {
  try {
    return await enqueue();
  } catch (error) {
    if (
      error instanceof PayloadValidationError &&
      !declaresPayload &&
      !(error instanceof PayloadRequiredError)
    )
      throw new PayloadRequiredError(workflow, error.problems);
    throw error;
  }
}
