import { Logger } from '@nestjs/common';
import { InvalidArgumentError } from './errors/index.js';
import type { InternalTaskOptions, TaskHandler } from './interfaces/index.js';

const logger = new Logger('HybridScheduler');
const warned = new Set<string>();

/** Logs a deprecation once per process and `method`. */
export function deprecated(method: string, message: string): void {
  if (warned.has(method)) return;
  warned.add(method);
  logger.warn(`${method}: ${message} (deprecated; the old form goes away in the next minor version)`);
}

/** @throws InvalidArgumentError unless `value` is a function */
export function handlerArgument(method: string, value: unknown): TaskHandler {
  if (typeof value !== 'function')
    throw new InvalidArgumentError(method, 'handler', value, 'expected a function that runs the task');
  return value as TaskHandler;
}

/** @throws InvalidArgumentError unless `value` is a plain object (undefined gives `fallback`) */
export function objectArgument<T extends object>(
  method: string,
  argument: string,
  value: T | null | undefined,
  fallback?: T,
): T {
  if (value === undefined && fallback) return fallback;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidArgumentError(method, argument, value, 'expected an object');
  return value;
}

/** @throws InvalidArgumentError unless `value` is a non-empty string */
export function stringArgument(method: string, argument: string, value: unknown, expected: string): string {
  if (typeof value !== 'string' || value.length === 0)
    throw new InvalidArgumentError(method, argument, value, expected);
  return value;
}

/** @throws InvalidArgumentError unless `value` is undefined (`fallback`) or an integer from 1 to `max` */
export function limitArgument(method: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max)
    throw new InvalidArgumentError(method, 'options.limit', value, `expected an integer from 1 to ${max}`);
  return value;
}

/**
 * `scheduleInternalTask(options, handler)`, or the deprecated `(name, handler, options)`: the options with
 * their `name`, and the handler.
 */
export function internalTaskArguments(args: [unknown, unknown, unknown?]): {
  options: InternalTaskOptions;
  handler: TaskHandler;
} {
  const method = 'scheduleInternalTask';
  if (typeof args[0] === 'string') {
    deprecated(
      method,
      'use scheduleInternalTask({ name, ...options }, handler) instead of (name, handler, options)',
    );
    const options = objectArgument<InternalTaskOptions>(method, 'options', args[2] as InternalTaskOptions);
    return { options: { ...options, name: args[0] }, handler: handlerArgument(method, args[1]) };
  }
  const options = objectArgument<InternalTaskOptions>(method, 'options', args[0] as InternalTaskOptions);
  stringArgument(
    method,
    'options.name',
    options.name,
    'a dynamic task needs a name (its job id is internal:<name>)',
  );
  return { options, handler: handlerArgument(method, args[1]) };
}
