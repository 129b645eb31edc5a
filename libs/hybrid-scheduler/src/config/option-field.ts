import { shown } from './shown-value.js';

/** What an environment variable's text turned into: the option's value, or why it could not be read. */
export type EnvReading<T> = { value: T } | { problem: string };

/** How a field's default is given: a value, or computed from the raw option block the field sits in. */
export type DefaultOf<T> = T | ((block: Readonly<Record<string, unknown>>) => T);

/**
 * One option of the description in `module-options.schema.ts`: its type (`In` as users write it, `Out` after
 * defaults), whether it is required, its default, its environment variables, and how it is checked.
 * `Req` (required in the input) and `Present` (always set after resolution) drive the derived option types.
 */
export interface OptionField<In, Out = In, Req extends boolean = boolean, Present extends boolean = boolean> {
  readonly required: Req;
  readonly present: Present;
  /** Environment variables read for this option, the first one set wins. */
  readonly env: readonly string[];
  /** Short description of what is accepted, for messages and the environment table. */
  readonly accepts: string;
  /** The value as a message shows it (a secret never, a URL without its credentials). */
  show(value: unknown): string;
  /** Checks a given (defined) value; pushes problems prefixed with `at`; returns the value with defaults. */
  resolve(value: unknown, at: string, problems: string[]): Out | undefined;
  /** The value when the option is absent (undefined when it has no default). */
  fallback(block: Readonly<Record<string, unknown>>): Out | undefined;
  /** Turns an environment variable's text into an option value. */
  fromEnv(text: string): EnvReading<In>;
  /** Type-only markers of the input and output types; never set. */
  readonly types?: { in: In; out: Out };
}

/** What every leaf option may say about itself. */
export interface LeafSpec<T> {
  required?: true;
  default?: DefaultOf<T>;
  env?: string | readonly string[];
  /** Never shown in messages (keys, passwords); a URL option needs not be: its kind shows it without credentials. */
  secret?: true;
  /** An extra rule: the problem with the value (without the option's path), or undefined. */
  check?: (value: T) => string | undefined;
}

type ReqOf<S> = S extends { required: true } ? true : false;
type PresentOf<S> = S extends { required: true } | { default: unknown } ? true : false;
export type LeafField<T, S> = OptionField<T, T, ReqOf<S>, PresentOf<S>>;

export interface LeafKind<T> {
  accepts: string;
  /** The problem with a value of the wrong shape, or undefined when it is a T. */
  problem(value: unknown): string | undefined;
  /** A T, or the text as it came (checked afterwards like any value), or why the text cannot be one. */
  fromEnv(text: string): EnvReading<T | string>;
  /** How a value of this kind is shown in messages, when not as JSON (URLs: without their credentials). */
  show?(value: unknown): string;
}

export const asText = (text: string): EnvReading<string> => ({ value: text });

/** Builds a leaf field of a kind (boolean, integer, …) from the spec written in the description. */
export function leaf<T, S extends LeafSpec<T>>(kind: LeafKind<T>, spec: S): LeafField<T, S> {
  const show = (value: unknown): string =>
    spec.secret === true ? shown(value, true) : kind.show ? kind.show(value) : shown(value);
  const check = (value: unknown): string | undefined => {
    const problem = kind.problem(value);
    if (problem) return `${problem} (got ${show(value)})`;
    return spec.check?.(value as T);
  };
  return {
    required: (spec.required === true) as ReqOf<S>,
    present: (spec.required === true || spec.default !== undefined) as PresentOf<S>,
    env: spec.env === undefined ? [] : typeof spec.env === 'string' ? [spec.env] : spec.env,
    accepts: kind.accepts,
    show,
    resolve(value, at, problems) {
      const problem = check(value);
      if (problem) problems.push(`${at}: ${problem}`);
      return problem ? undefined : (value as T);
    },
    fallback(block) {
      const given = spec.default;
      return typeof given === 'function' ? (given as (b: typeof block) => T)(block) : given;
    },
    fromEnv(text) {
      const read = kind.fromEnv(text);
      if ('problem' in read) return read;
      const problem = check(read.value);
      return problem ? { problem } : { value: read.value as T };
    },
  };
}
