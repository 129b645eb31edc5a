import type {
  QueuedWorkflowOptions,
  TaskDefinition,
  TaskHandler,
  TaskLocation,
} from '../interfaces/index.js';
import { parseSchedule } from '../schedule/schedule.parser.js';
import { isRecord } from '../common/is-record.js';
import { dtoProblemsNow, jsonProblem } from '../tiers/queue/payload.validator.js';
import { OptionChecker, TASK_NAME, TASK_NAME_RULE } from './option-checks.js';

const KEYS = [
  'name',
  'provider',
  'every',
  'cron',
  'timeZone',
  'attempts',
  'backoff',
  'concurrency',
  'rateLimit',
  'timeoutMs',
  'payload',
  'deadLetter',
  'catchUp',
  'schedulePayload',
  'characteristics',
] as const;

/** Validates `@QueuedWorkflow` options and builds its definition. */
export function queuedWorkflowDefinition(
  options: QueuedWorkflowOptions,
  loc: TaskLocation,
  handler: TaskHandler,
  defaultTimeZone?: string,
): TaskDefinition {
  // Typed explicitly so that `check.fail(...)` (never) narrows what follows it.
  const check: OptionChecker = new OptionChecker('QueuedWorkflow', loc, options);
  check.knownKeys(KEYS);
  const name = check.name('name', TASK_NAME, TASK_NAME_RULE) ?? `${loc.className}.${loc.methodName}`;
  const schedule = parseSchedule('QueuedWorkflow', loc, options, ['every', 'cron'], false, defaultTimeZone);
  check.oneOf('provider', ['memory', 'bullmq', 'cloud-tasks', 'rabbitmq', 'nats']);
  check.integer('attempts', 1, 1000);
  check.integer('concurrency', 1, 10_000);
  check.integer('timeoutMs', 1);
  check.boolean('deadLetter');
  check.oneOf('catchUp', ['skip', 'once']);
  if (options.backoff !== undefined) {
    const backoff: unknown = options.backoff;
    if (!isRecord(backoff)) check.fail('backoff', backoff, 'expected { type, delayMs }');
    new OptionChecker('QueuedWorkflow', loc, backoff).knownKeys(['type', 'delayMs', 'maxDelayMs']);
    if (backoff.type !== 'fixed' && backoff.type !== 'exponential') {
      check.fail('backoff.type', backoff.type, "expected 'fixed' or 'exponential'");
    }
    if (typeof backoff.delayMs !== 'number' || !Number.isInteger(backoff.delayMs) || backoff.delayMs < 0) {
      check.fail('backoff.delayMs', backoff.delayMs, 'expected a whole number of ms ≥ 0');
    }
    const max = backoff.maxDelayMs;
    if (
      max !== undefined &&
      (typeof max !== 'number' || !Number.isInteger(max) || max < (backoff.delayMs as number))
    ) {
      check.fail('backoff.maxDelayMs', max, 'expected a whole number of ms ≥ backoff.delayMs');
    }
  }
  if (options.rateLimit !== undefined) {
    const rate: unknown = options.rateLimit;
    const ok = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;
    if (!isRecord(rate) || !ok(rate.max) || !ok(rate.durationMs)) {
      check.fail('rateLimit', rate, 'expected { max: positive integer, durationMs: positive integer }');
    }
  }
  if (options.payload !== undefined && typeof options.payload !== 'function') {
    check.fail('payload', options.payload, 'expected a class (a class-validator DTO)');
  }
  checkSchedulePayload(check, options, schedule.kind !== 'none');
  return {
    name,
    declaredTier: 'queue',
    schedule,
    characteristics: check.characteristics(),
    location: loc,
    handler,
    queue: options,
  };
}

/**
 * The schedule payload is what every tick (and `trigger()`) sends, and ticks reach the handler without the
 * enqueue path's checks: it must survive JSON and match the payload DTO, checked here once. A recurring
 * workflow without one sends `{}`, which its DTO must then accept.
 */
function checkSchedulePayload(
  check: OptionChecker,
  options: QueuedWorkflowOptions,
  recurring: boolean,
): void {
  const given: unknown = options.schedulePayload;
  if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given))) {
    check.fail('schedulePayload', given, 'expected a plain object');
  }
  const json = given === undefined ? undefined : jsonProblem(given, 'schedulePayload');
  if (json) check.fail('schedulePayload', given, json);
  const dto = typeof options.payload === 'function' ? options.payload : undefined;
  if (!dto || (given === undefined && !recurring)) return;
  const problems = dtoProblemsNow(given ?? {}, dto);
  if (problems.length === 0) return;
  check.fail(
    'schedulePayload',
    given,
    `${given === undefined ? 'a recurring workflow sends {} on each tick when none is given; it' : 'it'} ` +
      `does not match the payload DTO ${dto.name}: ${problems.join('; ')}`,
  );
}
