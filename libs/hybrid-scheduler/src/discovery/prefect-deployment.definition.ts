import type {
  PrefectDeploymentOptions,
  TaskDefinition,
  TaskHandler,
  TaskLocation,
} from '../interfaces/index.js';
import { parseSchedule } from '../schedule/schedule.parser.js';
import { OptionChecker } from './option-checks.js';

const KEYS = [
  'flow',
  'name',
  'every',
  'cron',
  'rrule',
  'timeZone',
  'parameters',
  'tags',
  'description',
  'retries',
  'retryDelaySeconds',
  'paused',
  'workQueue',
  'timeoutMs',
  'overlap',
  'catchUp',
  'characteristics',
] as const;

/** Prefect forbids `/ % & > <` in flow and deployment names. */
const PREFECT_NAME = /^[^/%&><]{1,100}$/;
const PREFECT_NAME_RULE = 'expected 1–100 characters without / % & > <';

const kebab = (value: string): string =>
  value
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .toLowerCase();

/** Validates `@PrefectDeployment` options and builds its definition. The task name is `<flow>/<deployment>`. */
export function prefectDeploymentDefinition(
  options: PrefectDeploymentOptions,
  loc: TaskLocation,
  handler: TaskHandler,
  defaultTimeZone?: string,
): TaskDefinition {
  const check = new OptionChecker('PrefectDeployment', loc, options);
  check.knownKeys(KEYS);
  const flow = check.name('flow', PREFECT_NAME, PREFECT_NAME_RULE) ?? kebab(loc.methodName);
  const deployment = check.name('name', PREFECT_NAME, PREFECT_NAME_RULE) ?? 'default';
  const schedule = parseSchedule(
    'PrefectDeployment',
    loc,
    options,
    ['every', 'cron', 'rrule'],
    false,
    defaultTimeZone,
  );
  // Checked here, not when Prefect is reached: a boot with Prefect down would accept it on the fallback tier
  // and lose the task when Prefect answers.
  if (schedule.kind === 'cron' && schedule.cron.split(/\s+/).length !== 5)
    check.fail('cron', schedule.cron, 'Prefect schedules take 5-field cron expressions (no seconds)');
  check.integer('retries', 0, 1000);
  check.integer('retryDelaySeconds', 0);
  check.integer('timeoutMs', 1);
  check.boolean('paused');
  check.oneOf('overlap', ['skip', 'allow', 'queue'] as const);
  check.oneOf('catchUp', ['skip', 'once', 'all'] as const);
  check.name('workQueue', PREFECT_NAME, PREFECT_NAME_RULE);
  if (
    options.parameters !== undefined &&
    (typeof options.parameters !== 'object' ||
      options.parameters === null ||
      Array.isArray(options.parameters))
  ) {
    check.fail('parameters', options.parameters, 'expected a plain object of default parameters');
  }
  if (
    options.tags !== undefined &&
    (!Array.isArray(options.tags) || options.tags.some((t) => typeof t !== 'string'))
  ) {
    check.fail('tags', options.tags, 'expected an array of strings');
  }
  return {
    name: `${flow}/${deployment}`,
    declaredTier: 'prefect',
    schedule,
    characteristics: check.characteristics(),
    location: loc,
    handler,
    prefect: { ...options, flow, name: deployment },
  };
}
