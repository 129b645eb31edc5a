import type { InternalTaskOptions, TaskDefinition, TaskHandler, TaskLocation } from '../interfaces/index.js';
import { parseSchedule } from '../schedule/schedule.parser.js';
import { OptionChecker, TASK_NAME, TASK_NAME_RULE } from './option-checks.js';

const KEYS = [
  'name',
  'every',
  'cron',
  'at',
  'timeZone',
  'overlap',
  'catchUp',
  'jitterMs',
  'initialDelayMs',
  'runOnStart',
  'timeoutMs',
  'singleton',
  'characteristics',
] as const;

/** Validates `@InternalTask` options (or a dynamic task's) and builds its definition. */
export function internalTaskDefinition(
  options: InternalTaskOptions,
  loc: TaskLocation,
  handler: TaskHandler,
  defaultTimeZone?: string,
): TaskDefinition {
  const check = new OptionChecker('InternalTask', loc, options);
  check.knownKeys(KEYS);
  const name = check.name('name', TASK_NAME, TASK_NAME_RULE) ?? `${loc.className}.${loc.methodName}`;
  const schedule = parseSchedule(
    'InternalTask',
    loc,
    options,
    ['every', 'cron', 'at'],
    true,
    defaultTimeZone,
  );
  check.oneOf('overlap', ['skip', 'allow']);
  check.oneOf('catchUp', ['skip', 'once']);
  check.integer('jitterMs', 0);
  check.integer('initialDelayMs', 0);
  check.integer('timeoutMs', 1);
  check.boolean('runOnStart');
  check.boolean('singleton');
  return {
    name,
    declaredTier: 'internal',
    schedule,
    characteristics: check.characteristics(),
    location: loc,
    handler,
    internal: options,
  };
}
