import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validate, validateSync, type ValidationError, type ValidatorOptions } from 'class-validator';
import { PayloadValidationError } from '../../errors/index.js';
import type { PayloadClass } from '../../interfaces/index.js';

/** Objects JSON turns into `{}` although they hold data. */
const lossyObject = (object: object): boolean =>
  object instanceof Map || object instanceof Set || object instanceof WeakMap || ArrayBuffer.isView(object);

/**
 * Whether `value` survives a trip through JSON unchanged: the allocation-free walk every enqueue takes (no path
 * strings, no entry arrays); `jsonProblem` names the culprit only when this says no. `ancestors` holds the
 * objects above `value`, to see cycles.
 */
function isJsonSafe(value: unknown, ancestors: object[]): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null || value instanceof Date) return true;
  if (ancestors.includes(value) || lossyObject(value)) return false;
  ancestors.push(value);
  let safe = true;
  if (Array.isArray(value)) {
    for (let i = 0; safe && i < value.length; i++) safe = isJsonSafe(value[i], ancestors);
  } else {
    const record = value as Record<string, unknown>;
    for (const key in record) {
      if (!Object.prototype.hasOwnProperty.call(record, key)) continue;
      if (!(safe = isJsonSafe(record[key], ancestors))) break;
    }
  }
  ancestors.pop();
  return safe;
}

/**
 * Why `value` would not survive a trip through JSON unchanged (functions, symbols, BigInt, cycles, Maps…),
 * naming the path; undefined when it is fine. Every provider stores payloads as JSON, so this is checked
 * before anything is enqueued.
 */
export function jsonProblem(value: unknown, path = 'payload'): string | undefined {
  if (value === undefined) return `${path} is undefined; send an object (or omit it for {})`;
  return isJsonSafe(value, []) ? undefined : problemAt(value, path, new Set<object>());
}

/** The detailed walk: the first value JSON would lose, with its path. */
function problemAt(value: unknown, path: string, seen: Set<object>): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${path} is ${value}, which JSON turns into null`;
    case 'bigint':
      return `${path} is a BigInt (${value}n), which JSON cannot represent; send it as a string`;
    case 'function':
      return `${path} is a function, which JSON cannot represent`;
    case 'symbol':
      return `${path} is a symbol, which JSON cannot represent`;
  }
  if (value === null || value instanceof Date) return undefined;
  const object = value as object;
  if (seen.has(object))
    return `${path} refers back to one of its parents (a cycle), which JSON cannot represent`;
  if (lossyObject(object)) {
    return `${path} is a ${object.constructor.name}, which JSON turns into {}; send a plain object or array`;
  }
  seen.add(object);
  const entries = Array.isArray(object)
    ? object.map((v, i) => [`${path}[${i}]`, v] as const)
    : Object.entries(object).map(([k, v]) => [`${path}.${k}`, v] as const);
  for (const [at, child] of entries) {
    const problem = problemAt(child, at, seen);
    if (problem) return problem;
  }
  seen.delete(object);
  return undefined;
}

const describe = (errors: ValidationError[], parent = ''): string[] =>
  errors.flatMap((error) => {
    const at = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => `${at}: ${message}`);
    return [...own, ...describe(error.children ?? [], at)];
  });

/**
 * Rejects what cannot be enqueued: non-JSON values (thrown at once), and payloads that fail the workflow's DTO
 * (the returned promise rejects). Without a DTO nothing is returned, so a caller that awaits only a returned
 * promise adds no promise turn to the enqueue path.
 */
export function validatePayload(
  workflow: string,
  payload: unknown,
  dto?: PayloadClass,
): Promise<void> | undefined {
  const problem = jsonProblem(payload);
  if (problem) throw new PayloadValidationError(workflow, [problem]);
  return dto ? validateDto(workflow, payload, dto) : undefined;
}

/** Not an object: what a DTO can never match (class-validator would only say "unknown value"). */
const notAnObject = (payload: unknown, dto: PayloadClass): string | undefined =>
  typeof payload !== 'object' || payload === null || Array.isArray(payload)
    ? `payload: expected an object matching ${dto.name}, got ${Array.isArray(payload) ? 'an array' : typeof payload}`
    : undefined;

const DTO_OPTIONS: ValidatorOptions = { forbidUnknownValues: false };
const instanceOf = (dto: PayloadClass, payload: unknown): object =>
  plainToInstance(dto as ClassConstructor<object>, payload as object);

async function validateDto(workflow: string, payload: unknown, dto: PayloadClass): Promise<void> {
  const wrongType = notAnObject(payload, dto);
  if (wrongType) throw new PayloadValidationError(workflow, [wrongType]);
  const errors = await validate(instanceOf(dto, payload), DTO_OPTIONS);
  if (errors.length) throw new PayloadValidationError(workflow, describe(errors));
}

/**
 * What `payload` breaks of the DTO, checked at once (boot: a workflow's schedulePayload, which every tick
 * sends unchecked). Async constraints are not run here; the enqueue path runs them.
 */
export function dtoProblemsNow(payload: unknown, dto: PayloadClass): string[] {
  const wrongType = notAnObject(payload, dto);
  return wrongType ? [wrongType] : describe(validateSync(instanceOf(dto, payload), DTO_OPTIONS));
}

/** What the handler receives: the DTO instance when the workflow has one (so `@Type` conversions apply). */
export function payloadForHandler(payload: unknown, dto?: PayloadClass): unknown {
  return dto && typeof payload === 'object' && payload !== null
    ? plainToInstance(dto as ClassConstructor<object>, payload)
    : payload;
}
