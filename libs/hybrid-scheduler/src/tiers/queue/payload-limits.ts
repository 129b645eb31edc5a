import { PayloadRequiredError, PayloadValidationError } from '../../errors/index.js';

/** The default of `queue.maxPayloadBytes`; Cloud Tasks' own limit is the same 1 MiB, counted with its envelope. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1_048_576;

/** Beyond this depth the bound gives up (Infinity): the exact count decides. */
const MAX_BOUND_DEPTH = 32;

/**
 * An upper bound of the UTF-8 bytes of `value`'s JSON (Infinity where it cannot tell cheaply: a `toJSON` of
 * its own, a boxed primitive, deep nesting). A UTF-16 code unit takes at most 6 bytes (`\u001f`), a number at most 24 characters.
 * The payload has passed the JSON check (no cycles, BigInts or functions) before this runs.
 */
function jsonBytesBound(value: unknown, depth: number): number {
  switch (typeof value) {
    case 'string':
      return value.length * 6 + 2;
    case 'number':
      return 24;
    case 'boolean':
    case 'undefined':
      return 5;
    case 'object':
      break;
    default:
      return Number.POSITIVE_INFINITY;
  }
  if (value === null) return 4;
  if (value instanceof Date) return 32;
  const object = value as Record<string, unknown>;
  // A boxed primitive serializes as its value, which its own keys do not show.
  const boxed = value instanceof Number || value instanceof String || value instanceof Boolean;
  if (boxed || depth > MAX_BOUND_DEPTH || typeof object.toJSON === 'function')
    return Number.POSITIVE_INFINITY;
  let bytes = 2;
  if (Array.isArray(object)) {
    for (const item of object) bytes += jsonBytesBound(item, depth + 1) + 1;
    return bytes;
  }
  for (const key in object) {
    if (Object.prototype.hasOwnProperty.call(object, key))
      bytes += key.length * 6 + 4 + jsonBytesBound(object[key], depth + 1);
  }
  return bytes;
}

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
  // Most payloads are far below the limit: a walk bounding their JSON's size spares serializing them here.
  if (jsonBytesBound(payload ?? {}, 0) <= limit) return;
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
