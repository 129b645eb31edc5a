import { InvalidTaskOptionsError } from '../errors/index.js';
import { INVALID_OPTION } from '../errors/messages.js';
import type { TaskCharacteristics, TaskLocation } from '../interfaces/index.js';
import { characteristicsProblem } from '../classifier/classify-task.js';

/** Small checks shared by the decorator validators; each throws an error naming decorator, method, option, value. */
export class OptionChecker {
  constructor(
    private readonly decorator: string,
    private readonly loc: TaskLocation,
    private readonly options: object,
  ) {}

  fail(option: string, value: unknown, expected: string): never {
    throw new InvalidTaskOptionsError(INVALID_OPTION(this.decorator, this.loc, option, value, expected));
  }

  private value(option: string): unknown {
    return (this.options as Record<string, unknown>)[option];
  }

  /** Rejects option names the decorator does not know (a typo such as `crom` must not pass silently). */
  knownKeys(keys: readonly string[]): void {
    for (const key of Object.keys(this.options)) {
      if (!keys.includes(key))
        this.fail(key, this.value(key), `unknown option; known options: ${keys.join(', ')}`);
    }
  }

  integer(option: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const value = this.value(option);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(
        option,
        value,
        `expected a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}`,
      );
    }
    return value as number;
  }

  oneOf<T extends string>(option: string, allowed: readonly T[]): T | undefined {
    const value = this.value(option);
    if (value === undefined) return undefined;
    if (!allowed.includes(value as T))
      this.fail(option, value, `expected one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
    return value as T;
  }

  boolean(option: string): boolean | undefined {
    const value = this.value(option);
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') this.fail(option, value, 'expected true or false');
    return value as boolean;
  }

  name(option: string, pattern: RegExp, expected: string): string | undefined {
    const value = this.value(option);
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !pattern.test(value)) this.fail(option, value, expected);
    return value as string;
  }

  characteristics(): TaskCharacteristics {
    const value = this.value('characteristics');
    if (value === undefined) return {};
    const problem = characteristicsProblem(value);
    if (problem) {
      const option =
        problem.characteristic === 'characteristics'
          ? 'characteristics'
          : `characteristics.${problem.characteristic}`;
      this.fail(option, problem.value, `expected ${problem.expected}`);
    }
    return value as TaskCharacteristics;
  }
}

/** Job names become ids, Redis keys, Cloud Tasks ids and Prefect names: keep them to a safe alphabet. */
export const TASK_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const TASK_NAME_RULE =
  'expected 1–128 characters: letters, digits, ".", "_" or "-", starting with a letter or digit';
