import type { TaskLocation } from '../interfaces/index.js';

/** Names the method a message is about: `ReportsService.nightly()`. */
export const at = (loc: TaskLocation): string => `${loc.className}.${loc.methodName}()`;

/** What a task-option message is about: `@InternalTask on Reports.nightly()`, or `dynamic task my-task`. */
const subject = (decorator: string, loc: TaskLocation): string =>
  loc.dynamic ? `dynamic task ${loc.methodName}` : `@${decorator} on ${at(loc)}`;

/** Strings longer than this are cut in messages (an over-long key is named, not echoed in full). */
const SHOWN_STRING_MAX = 120;

/**
 * A value as messages quote it: strings in quotes (long ones cut, with their length), dates as ISO, functions
 * by name, numbers JSON cannot hold (NaN, Infinity) and BigInts as written, the rest as JSON.
 */
export const show = (value: unknown): string => {
  if (typeof value === 'string')
    return value.length > SHOWN_STRING_MAX
      ? `${JSON.stringify(value.slice(0, SHOWN_STRING_MAX))}… (${value.length} characters)`
      : JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
};

export const INVALID_OPTION = (
  decorator: string,
  loc: TaskLocation,
  option: string,
  value: unknown,
  expected: string,
): string => `${subject(decorator, loc)}: option "${option}" = ${show(value)} is invalid: ${expected}`;

export const SCHEDULE_CONFLICT = (
  decorator: string,
  loc: TaskLocation,
  given: string[],
  allowed: string[],
): string =>
  given.length === 0
    ? `${subject(decorator, loc)}: give exactly one of ${allowed.map((o) => `"${o}"`).join(', ')}; none was given`
    : `${subject(decorator, loc)}: give exactly one of ${allowed.map((o) => `"${o}"`).join(', ')}; got ${given
        .map((o) => `"${o}"`)
        .join(' and ')}`;

export const DUPLICATE_TASK = (
  kind: string,
  name: string,
  first: TaskLocation,
  second: TaskLocation,
): string =>
  `Duplicate ${kind} name "${name}": declared on ${at(first)} and on ${at(second)}. Give one of them another "name".`;

export const TWO_TIER_DECORATORS = (decorators: string[], loc: TaskLocation): string =>
  `${at(loc)} carries ${decorators.map((d) => `@${d}`).join(' and ')}: a method is one task on one tier; ` +
  `use one decorator (its fallback option picks where else it may run).`;

/** Where a tier decorator was put that discovery (instance methods of providers and controllers) never looks. */
export type NotAMethod = 'property' | 'accessor' | 'static';

const NOT_A_METHOD_WHY: Record<NotAMethod, string> = {
  property: 'is a property (a field, such as an arrow function), not a method',
  accessor: 'is a getter/setter, not a method',
  static: 'is a static method; tasks are methods of the provider instance',
};

export const NOT_A_METHOD = (decorator: string, member: string, misplaced: NotAMethod): string =>
  `@${decorator} on ${member} cannot be used: ${member} ${NOT_A_METHOD_WHY[misplaced]}, so the scheduler would ` +
  `never find it. Declare it as an instance method: ${member.slice(member.lastIndexOf('.') + 1)}(…) { … }.`;

export const REQUEST_SCOPED = (decorator: string, loc: TaskLocation): string =>
  `@${decorator} on ${at(loc)} cannot be used: ${loc.className} is request-scoped (or depends on a request-scoped ` +
  `provider), so there is no instance to call outside a request. Make it a singleton provider.`;

export const TIER_FALLBACK = (name: string, declared: string, used: string, reason: string): string =>
  `Task "${name}" is declared for the ${declared} tier, which is not available (${reason}); it runs on the ${used} tier instead.`;

export const QUEUE_IN_PROCESS = (name: string, reason: string): string =>
  `Workflow "${name}" is declared for the queue tier, whose engine is not available (${reason}); it runs on the ` +
  `queue tier's in-process memory engine instead (not durable: jobs not yet run are lost on restart).`;

export const TIER_UNAVAILABLE_FAIL = (name: string, declared: string, reason: string): string =>
  `Task "${name}" is declared for the ${declared} tier, which is not available (${reason}), and fallback is 'fail'.`;

export const CLASSIFIER_CONTRADICTION = (
  name: string,
  declared: string,
  suggested: string,
  reasons: string[],
): string =>
  `Task "${name}" is declared for the ${declared} tier, but its characteristics suggest ${suggested}: ${reasons.join(' ')}`;
